// PM2 process file for a VPS: the Procfile's `web` and `worker`, run from this directory
// with the project's virtualenv at .venv and the settings in .env (README, "VPS with PM2").
//
//   .venv/bin/flask --app app db upgrade                  # the release step (reads .env)
//   pm2 start ecosystem.config.js                         # first start
//   pm2 sendSignal SIGHUP web && pm2 restart worker       # after changing .env or the code
//   pm2 save && pm2 startup                               # come back after a reboot
//
// Why these settings, one line each:
// - Settings: each process reads .env itself at every start (gunicorn through ENV_FILE in
//   gunicorn.conf.py, again on SIGHUP; the worker through `dotenv run`), so a changed or removed
//   variable arrives with the commands above. PM2's own environment is not used for them:
//   `pm2 restart ... --update-env` refreshes only the variables this file lists and never
//   removes one, and exporting .env into the shell that runs pm2 would freeze its values.
// - Reload: `pm2 reload` of a fork-mode app stops it before starting the new one (connections
//   are refused for the whole drain); SIGHUP makes gunicorn start new workers on the same
//   socket, re-read gunicorn.conf.py and .env, and drain the old ones: nothing is refused.
// - interpreter "none": PM2 executes the venv's programs itself instead of running them under node.
// - exec_mode "fork", instances 1: gunicorn forks its own workers (WEB_CONCURRENCY); RQ forks its own work horses.
// - treekill false: PM2 signals the main process only; gunicorn stops its workers, RQ waits for its work horse
//   (a signal sent straight to the horse would kill the send batch halfway).
// - kill_timeout: PM2's SIGKILL comes after 35 s (web: gunicorn's graceful_timeout is 25 s) / 40 s (worker:
//   the current send batch finishes first), not after PM2's default 1.6 s.
// - Stop signal: PM2 sends SIGINT; gunicorn.conf.py makes gunicorn treat it like SIGTERM (graceful), and
//   RQ's worker already does.
// - Restarts never give up: a process that exits (Redis or PostgreSQL down, at boot or later) comes back
//   after 100 ms, growing by half each time up to 15 s, reset after 30 s up. PM2 stops restarting an app
//   for good once max_restarts restarts happened less than min_uptime after their start (it then shows
//   "errored", or "waiting restart" forever with a backoff); max_restarts is set out of reach so that an
//   outage of any length ends with everything back (deploy/check.py fails with max_restarts: 10).
// - Logs: logs/<app>.out.log and .err.log, one file per stream across restarts (merge_logs), without PM2's
//   timestamp prefix (time: false) so that every line stays one JSON object; pm2-logrotate rotates them.
// - Log modes: logs/ is made 0750 and each log file 0640 here, and tightened if an earlier start left them
//   wider. The PM2 daemon opens the files with its own umask (022 unless set: 0644, readable by every user
//   on the machine) but keeps the mode of a file that exists. pm2-logrotate copies a full file to a new one
//   (the daemon's umask again) and empties the original: the 0750 directory keeps those copies private,
//   and `umask 027` for the user running pm2 makes them 0640 too (README, "VPS with PM2").

const fs = require("fs");
const path = require("path");

const venv = path.join(__dirname, ".venv", "bin");
const logs = path.join(__dirname, "logs");
const envFile = process.env.ENV_FILE || path.join(__dirname, ".env");

if (!fs.existsSync(envFile)) {
  throw new Error(`${envFile} is missing: cp .env.example .env and fill it in`);
}

// Create the directory and files PM2 writes to, private to this user and its group (see "Log modes").
function privateLogs(directory, files) {
  fs.mkdirSync(directory, { recursive: true, mode: 0o750 });
  fs.chmodSync(directory, fs.statSync(directory).mode & 0o750);
  for (const file of files) {
    fs.closeSync(fs.openSync(file, "a", 0o640));
    const stats = fs.statSync(file);
    if (stats.isFile()) fs.chmodSync(file, stats.mode & 0o640);
  }
}

const common = {
  cwd: __dirname,
  interpreter: "none",
  exec_mode: "fork",
  instances: 1,
  autorestart: true,
  watch: false,
  treekill: false,
  exp_backoff_restart_delay: 100,
  max_restarts: Number.MAX_SAFE_INTEGER,
  min_uptime: "10s",
  merge_logs: true,
  time: false,
  env: {
    ENV_FILE: envFile,
  },
};

const apps = [
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
    script: path.join(venv, "dotenv"),
    args: ["--file", envFile, "run", "--override", "--", path.join(venv, "python"), "-m", "worker"],
    kill_timeout: 40000,
    out_file: path.join(logs, "worker.out.log"),
    error_file: path.join(logs, "worker.err.log"),
  },
];

privateLogs(logs, apps.flatMap((app) => [app.out_file, app.error_file]));

module.exports = { apps };
