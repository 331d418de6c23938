"""Sending (付款执行): the worker's side of disbursements. Lease due ones with SKIP LOCKED, ask
the channel, record what it said. Exactly once rests on three things:

1. one merchant transfer number per (disbursement, attempt), stored before anything is sent;
2. after any send without a definite answer, the next try queries that number first and only
   sends (the same number again) when the channel says it never received it;
3. a lease: a claimed disbursement is invisible to other workers for longer than one call.

The channel itself refuses to pay one number twice, which covers a query racing a late send.
"""
