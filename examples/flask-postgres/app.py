"""A Flask app that keeps notes in PostgreSQL (the "db" service of devenv.toml).

    python3 app.py write TEXT   insert a note
    python3 app.py read         print every note, oldest first
    python3 app.py serve        serve them on http://0.0.0.0:8000/ (GET / and POST /?text=...)
"""

import os
import sys

import psycopg2
from flask import Flask, request

app = Flask(__name__)


def connect():
    return psycopg2.connect(
        host=os.environ.get("DATABASE_HOST", "db"),
        user=os.environ.get("DATABASE_USER", "postgres"),
        password=os.environ.get("DATABASE_PASSWORD", "devenv"),
        dbname=os.environ.get("DATABASE_NAME", "postgres"),
        connect_timeout=10,
    )


def write(text):
    with connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, text text NOT NULL)")
        cur.execute("INSERT INTO notes (text) VALUES (%s) RETURNING id", (text,))
        return cur.fetchone()[0]


def read():
    with connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, text text NOT NULL)")
        cur.execute("SELECT text FROM notes ORDER BY id")
        return [row[0] for row in cur.fetchall()]


@app.get("/")
def index():
    return {"notes": read()}


@app.post("/")
def add():
    return {"id": write(request.args.get("text", ""))}, 201


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "serve"
    if cmd == "write" and len(argv) == 3:
        print(f"wrote note {write(argv[2])}")
    elif cmd == "read" and len(argv) == 2:
        for text in read():
            print(text)
    elif cmd == "serve" and len(argv) == 2:
        app.run(host="0.0.0.0", port=8000)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
