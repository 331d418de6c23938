"""What a signed-in donor may ask about themselves (their certificate, an estimate), and the
gateway's phone lookup for identity binding."""
