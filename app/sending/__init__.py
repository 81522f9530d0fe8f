"""The bulk sending engine: claims in PostgreSQL, a shared limiter in Redis, async Twilio calls.

PostgreSQL holds the truth of every invitation; Redis holds only wake-ups, the rate
limiter and the in-flight leases, all of which can be lost without losing or repeating a
message. The parts, in the order a message meets them:

- `settings`: the `SEND_*` knobs; `message`: the Messages API parameters;
- `claims`: exclusive claims with an attempt row recorded before any request;
- `limiter`: the sender's shared pace (GCRA in Lua) and in-flight permits;
- `client`: twilio's asyncio client, sized and bounded; `outcomes`: what an answer means;
- `results` / `writer`: batch writes of what happened;
- `reconcile`: unknown outcomes settled against the provider before anything is resent;
- `sender` / `upkeep` / `drain`: the asyncio loop of one drain (an RQ job);
- `wakeup`: drain jobs and the registry of running drains; `preflight`, `progress`: the
  numbers the API shows.
"""
