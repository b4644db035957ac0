"""Staff accounts (town users and cross-town administrators), roles, sessions and login (SSO, development)."""
