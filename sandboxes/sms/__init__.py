"""短信沙箱 SMS SANDBOX: plays an SMS provider (Aliyun SendSms shape) for development and tests."""
