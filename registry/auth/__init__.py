"""Authentication (passwords, access tokens, API keys, the middleware that names the caller),
authorisation (the one guard that enforces every handler's declared access level) and login
throttling."""
