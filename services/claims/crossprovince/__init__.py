"""Cross-province claims (跨省转办): claims a partner province forwards to us (we decide, channel
`interop`), and claims filed here for a partner's donor (forwarded; the partner's status mirrored).
Only the interop service calls these routes; the wire to the partner is its business."""
