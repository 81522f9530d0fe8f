"""The bulk sending engine: claims in PostgreSQL, a shared limiter in Redis, async Twilio calls.

PostgreSQL holds the truth of every invitation; Redis holds only wake-ups, the rate
limiter and the in-flight leases, all of which can be lost without losing or repeating a
message. It imports no Flask: the services, the jobs and the health checks call it. The
modules, by what they are about:

- what is sent, and when:
  - `kinds`: each kind of message (invitation, reminder, follow-up), declared once;
  - `lifecycle`: a campaign's states, its transitions, their locks and their SQL;
  - `audiences`: who a campaign goes to, and writing its rows; `schedule`: the sweep's
    starts and the watching campaigns' feeding;
  - `preflight`, `progress`, `tallies`, `stuck`: the numbers the API, the dashboard and
    `/ready` show;
- who may receive: `reachability` (opt-outs, numbers that can never receive) and
  `languages` (the language a guest is written to in);
- one message, in the order it meets them:
  - `settings`: the `SEND_*` knobs; `message`: the Messages API parameters;
  - `claims`: exclusive claims with an attempt row recorded before any request;
  - `limiter`: the sender's shared pace (GCRA in Lua) and in-flight permits;
  - `client`: twilio's asyncio client, sized and bounded; `outcomes` and `twilio_errors`:
    what an answer means;
  - `results` / `writer`: batch writes of what happened;
  - `reconcile`: unknown outcomes settled against the provider before anything is resent;
  - `statuses`: delivery statuses, only forward, and what arrived before its SID;
- the drain (an RQ job): `sender` (the asyncio loop), `upkeep` (its background loops),
  `drain` (what it is given and reports), `owners` (a dead sender's leases end early),
  `wakeup` (drain jobs and the registry of running drainers).
"""
