// Package alert tells people at once when a wire moves a flash or a story
// a desk watches, and when a wire fails or goes silent.
//
// It has three parts:
//
//   - Engine decides: for each item stored for the first time it returns
//     the alerts its [[alert]] rules ask for, once per story, rule and
//     channel (storage queues them in the transaction that stores the
//     item, and turns a repeat into an update when more wires joined);
//     for each failing or silent source, one alert per outage.
//   - Deliverer sends what waits in the outbox of the database, one
//     goroutine per channel, with retries, exponential backoff, a rate
//     limit per channel and a dead-letter list, so a slow or failing
//     channel delays neither polling nor the other channels.
//   - Webhook, Slack, Telegram and SMTP are the channels.
//
// The package imports no other stage: it reaches storage through the
// Outbox interface it declares, and internal/wiring maps the config onto
// Rule and the channels.
package alert
