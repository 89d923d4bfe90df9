"""A small support-ticket database for the example recipe: ``python -m ftcore_example.demo_data shop.db``.

Ticket bodies are HTML (as exported from a help-desk tool), so ``strip_html`` has work to do.
"""

import random
import sqlite3
import sys
from pathlib import Path

TOPICS = {
    "billing": ["I was charged twice for my order", "Where is my refund?", "The invoice shows the wrong amount",
                "My card payment failed"],
    "delivery": ["My parcel has not arrived", "The tracking number does not work", "The box came damaged",
                 "Can I change the delivery address?"],
    "account": ["I cannot log in", "How do I reset my password?", "Please delete my account",
                "My e-mail address changed"],
}
WRAPPERS = ["<p>{}</p>", "<div><b>Customer:</b> {}</div>", "{} &mdash; thanks", "<p>Hello,<br>{}</p>",
            "<ul><li>{}</li></ul>", "{}"]


def make_shop_db(path, rows: int = 150, seed: int = 0) -> Path:
    """Write a SQLite file with a ``tickets(id, body, topic)`` table of ``rows`` HTML tickets."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    r = random.Random(seed)
    with sqlite3.connect(tmp) as db:
        db.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, body TEXT, topic TEXT)")
        for i in range(rows):
            topic = sorted(TOPICS)[i % 3]
            body = r.choice(WRAPPERS).format(f"{r.choice(TOPICS[topic])} (order {1000 + i})")
            db.execute("INSERT INTO tickets (body, topic) VALUES (?, ?)", (body, topic))
    db.close()
    tmp.replace(path)
    return path


if __name__ == "__main__":
    print(make_shop_db(sys.argv[1] if len(sys.argv) > 1 else "shop.db"))
