"""Values every part of the suite shares: the API token, the dashboard user, the sender."""

from __future__ import annotations

# What the test apps and processes are configured with (tests/conftest.py: test_env).
API_TOKEN = "test-api-token-for-the-test-suite-only"
SECRET_KEY = "test-secret-key-for-the-test-suite-only"
# The header that opens /api/v1.
API_AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

# The dashboard user the tests create and sign in as.
ADMIN_EMAIL = "organiser@example.org"
ADMIN_PASSWORD = "correct horse battery staple"

# The WhatsApp sender and approved template the engine is configured with.
SENDER = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "0123456789abcdef" * 2

# A complete production configuration (the settings a deploy must give).
PRODUCTION = {
    "SECRET_KEY": "s3cret-Kq8vT2mZpX7wLr4nB9cYd6Fh3j",
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/invites",
    "REDIS_URL": "redis://cache:6379/0",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
}
