# One image for every process of the service (the command picks the role):
#   web      gunicorn -c gunicorn.conf.py "app:create_app()"   (the default CMD)
#   worker   python -m worker
#   release  flask --app app db upgrade
#   emulator python -m app.emulator --host 0.0.0.0 --port 8099   (local Twilio stand-in)
# Build: docker build -t whatsapp-invites .   (docker-compose.yml builds it for you)

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Not /app: the Python package itself is called `app`. Every process starts here, so
# `app`, `worker`, `migrations/` and `gunicorn.conf.py` resolve from this directory.
WORKDIR /srv/invites

# FriBidi, which Pillow's Raqm layout loads to draw Arabic names on passes joined and right
# to left (app/services/pass_card.py; without it those lines are left off the image).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 invites \
    && useradd --system --uid 10001 --gid invites --create-home --home-dir /home/invites \
       --shell /usr/sbin/nologin invites

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
# No compiler needed: the C extensions (psycopg2-binary, gevent, ...) come as manylinux
# wheels; psycogreen is a pure-Python source package.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The packages `pip install .` finds ([tool.setuptools.packages.find] include = app*, worker*)
# and the readme pyproject.toml names, plus what the processes read from the working
# directory: Alembic's migrations/ (located next to the `app` package) and gunicorn.conf.py.
# gunicorn, flask and `python -m` all import `app` from here, not from site-packages.
COPY README.md ./
COPY app ./app
COPY worker ./worker
COPY migrations ./migrations
COPY gunicorn.conf.py ./
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

USER invites

EXPOSE 8000

# Exec form, no shell in between: gunicorn itself gets SIGTERM (graceful_timeout 25 s).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]
