"""The invoice registry (一次用血不得重复报销): every claim and direct reduction that draws on a bill,
under one normalised invoice key, so no fen of a bill is reduced twice however the invoice is typed."""
