// PM2 process file for a VPS: the Procfile's `web` and `worker`, run from this directory
// with the project's virtualenv at .venv (python3.11 -m venv .venv && .venv/bin/pip install .).
//
//   .venv/bin/flask --app app db upgrade                  # the Procfile's `release`, once per deploy
//   set -a; . ./.env; set +a                              # PM2 does not read .env: export it
//   pm2 start ecosystem.config.js --env production
//   pm2 save && pm2 startup                               # come back after a reboot
//
// Why these settings, one line each:
// - interpreter "none": PM2 executes the venv's gunicorn / python itself instead of running them under node.
// - exec_mode "fork", instances 1: gunicorn forks its own workers (WEB_CONCURRENCY); RQ forks its own work horses.
// - treekill false: PM2 signals the master only; gunicorn stops its workers, RQ waits for its work horse
//   (a signal sent straight to the horse would kill the send batch halfway).
// - kill_timeout: PM2's SIGKILL comes after 35 s (web: gunicorn's graceful_timeout is 25 s) / 40 s (worker:
//   the current send batch finishes first), not after PM2's default 1.6 s.
// - Stop signal: PM2 sends SIGINT; gunicorn.conf.py makes gunicorn treat it like SIGTERM (graceful), and
//   RQ's worker already does.
// - autorestart + exp_backoff_restart_delay: a process that exits, even with status 0, comes back,
//   after 100 ms doubling up to 15 s; max_restarts / min_uptime give up on a crash loop.
// - Logs go to logs/ here, one file per stream across restarts (merge_logs), with PM2 timestamps (time).
// - Environment: PM2 passes the environment of the shell that runs `pm2 start` (hence the export above);
//   `--env production` adds env_production, whose entries take the exported values and are blank
//   otherwise, so a missing secret stops the service with its name. Never write real secrets in this file.
//   After changing a variable: pm2 restart ecosystem.config.js --env production --update-env

const path = require("path");

const venv = path.join(__dirname, ".venv", "bin");
const logs = path.join(__dirname, "logs");

// The exported value of `name`, else `fallback`: a placeholder, never a secret.
const fromShell = (name, fallback = "") => process.env[name] ?? fallback;

const common = {
  cwd: __dirname,
  interpreter: "none",
  exec_mode: "fork",
  instances: 1,
  autorestart: true,
  watch: false,
  treekill: false,
  exp_backoff_restart_delay: 100,
  max_restarts: 10,
  min_uptime: "10s",
  merge_logs: true,
  time: true,
  env: {
    APP_ENV: "production",
  },
  env_production: {
    APP_ENV: "production",
    DATABASE_URL: fromShell("DATABASE_URL"),
    REDIS_URL: fromShell("REDIS_URL"),
    SECRET_KEY: fromShell("SECRET_KEY"),
    API_TOKEN: fromShell("API_TOKEN"),
    ADMIN_EMAIL: fromShell("ADMIN_EMAIL"),
    ADMIN_PASSWORD: fromShell("ADMIN_PASSWORD"),
    TWILIO_ACCOUNT_SID: fromShell("TWILIO_ACCOUNT_SID"),
    TWILIO_AUTH_TOKEN: fromShell("TWILIO_AUTH_TOKEN"),
    TWILIO_WHATSAPP_FROM: fromShell("TWILIO_WHATSAPP_FROM"),
    TWILIO_INVITE_CONTENT_SID: fromShell("TWILIO_INVITE_CONTENT_SID"),
    // https URL of this server as Twilio reaches it (nginx/caddy in front): callbacks and signatures.
    PUBLIC_BASE_URL: fromShell("PUBLIC_BASE_URL"),
    // 1 when a reverse proxy on this machine sets X-Forwarded-*; 0 when clients connect directly.
    TRUSTED_PROXIES: fromShell("TRUSTED_PROXIES", "0"),
    PORT: fromShell("PORT", "8000"),
    WEB_CONCURRENCY: fromShell("WEB_CONCURRENCY", "2"),
  },
};

module.exports = {
  apps: [
    {
      ...common,
      name: "web",
      script: path.join(venv, "gunicorn"),
      args: ["-c", "gunicorn.conf.py", "app:create_app()"],
      kill_timeout: 35000,
      out_file: path.join(logs, "web.out.log"),
      error_file: path.join(logs, "web.err.log"),
    },
    {
      ...common,
      name: "worker",
      script: path.join(venv, "python"),
      args: ["-m", "worker"],
      kill_timeout: 40000,
      out_file: path.join(logs, "worker.out.log"),
      error_file: path.join(logs, "worker.err.log"),
    },
  ],
};
