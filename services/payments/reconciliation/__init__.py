"""Daily reconciliation (对账): the platform's transfers against each channel's statement. Every
mismatch is stored and listed for finance; nothing is resolved by the program."""
