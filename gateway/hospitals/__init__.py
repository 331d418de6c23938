"""Hospital billing systems as API clients: OAuth2 client credentials for /his/v1."""
