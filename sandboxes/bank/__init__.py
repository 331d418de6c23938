"""银行沙箱 BANK SANDBOX: plays the bank behind the payments service's bank-transfer channel.

Bank API (what the channel calls):
  POST /api/transfers                  accept a transfer keyed by merchant_transfer_no; a number
                                       already held is never paid again (same details: the same
                                       transfer back, 200; other details: 409)
  GET  /api/transfers/{number}         its state: processing, settled, returned, rejected (404 code
                                       TRANSFER_NOT_FOUND when never received)
  GET  /api/statements/{YYYY-MM-DD}    every transfer accepted that day (China time), state now

Account rules: a number ending in 0000 does not exist -- accepted, then returned (退票) at
settlement; one ending in 9999 is frozen -- rejected at once. Others settle after
`settle_delay_s` and are paid out once.

Test controls under /sandbox: faults (timeout, error_500, lose_response, down, slow), the ledger,
statement overrides, settle now, reset. Every response carries `X-Sandbox: bank`.
"""
