"""Everything the tests share but fixtures (which live in the conftests), one module a concern.

- apps: an app per test on the test database, emptied after it
- browser: Chromium for the dashboard's browser tests, signing in, screenshots
- constants: the API token and header, the dashboard user, the sender and template
- dashboard: the dashboard user, signing a client in, reading pages and forms
- database: emptying the database between tests, reading it, watching its statements
- emulator: the Twilio emulator's control token, process and endpoints
- factories: events, guests, invitations, campaigns and messages, as the product holds them
- guest_lists: guest lists posted to the API, and the guests they stored
- imports: which modules a file imports (the layer and layout tests read it)
- polling: waiting for another process or thread
- processes: keeping real processes out of the tests not marked slow
- proxy: a TCP link to PostgreSQL a test can cut
- receiver: a server recording the webhooks an emulator posts
- sending: a campaign's processes driven over HTTP, the exactly-once check
- services: PostgreSQL and Redis for the run
- stack: gunicorn, workers and the whole service as the Procfile runs them
- webhooks: Twilio's forms, signed
- workbooks: Excel workbooks, ordinary and hostile

A test module imports these and the app, never a conftest or another test module
(tests/test_suite_layout.py).
"""
