"""Payment channels (付款通道) behind one interface: send by merchant transfer number, query by
it, fetch a day's statement. Bank transfer over HTTP; Alipay and WeChat Pay refuse until enabled."""
