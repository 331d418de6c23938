"""WeChat SANDBOX: plays WeChat's login server for development and tests. Never production."""
