"""Writes support_preferences.jsonl: customer questions to Wrenly's shop with a preferred and a worse reply.

The chosen reply is correct and polite; the rejected one is either rude (right facts, insulting
tone) or wrong (polite tone, facts that contradict the shop's policy). Deterministic: the same
seed writes the same file.

    python contrib/ftcore-preference/recipes/data/make_support_preferences.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

# topic: (question forms, the correct answer, a wrong answer)
FACTS = {
    "returns": (["Can I return {item}?", "How long do I have to send back {item}?", "Is it too late to return {item}?"],
                "you can return it within 30 days of delivery for a full refund",
                "returns are not accepted once the parcel has been opened"),
    "shipping": (["When will {item} arrive?", "How long does shipping take for {item}?",
                  "Do you ship {item} quickly?"],
                 "standard shipping takes 3 to 5 working days, and you get a tracking link by email",
                 "we only ship once a month, so it may take several weeks"),
    "refund": (["When do I get my money back for {item}?", "My refund for {item} has not arrived yet.",
                "How are refunds for {item} paid?"],
               "refunds go back to your original payment method within 5 working days of us receiving the item",
               "refunds are paid as store credit only and cannot go back to your card"),
    "password": (["I forgot my password, how do I order {item}?", "I cannot log in to buy {item}.",
                  "How do I reset my password? I want {item}."],
                 "use the 'Forgot password' link on the sign-in page and we will email you a reset link",
                 "passwords cannot be reset, so please open a new account"),
    "warranty": (["Is {item} covered by a warranty?", "{item} broke after a month, what can I do?",
                  "What warranty comes with {item}?"],
                 "it has a two-year warranty, so we will repair or replace it free of charge",
                 "there is no warranty on anything bought online"),
    "cancel": (["Can I cancel my order of {item}?", "I ordered {item} by mistake, can I cancel?",
                "How do I cancel {item} before it ships?"],
               "you can cancel it from 'My orders' until it ships, and you will not be charged",
               "orders cannot be cancelled once they are placed"),
}
ITEMS = ["the desk lamp", "my headphones", "the blue kettle", "a wool scarf", "the garden chair", "my phone case",
         "the coffee grinder", "a pair of boots", "the bookshelf", "my yoga mat"]
POLITE_OPEN = ["Thanks for asking!", "Happy to help.", "Thank you for reaching out.", "Good question."]
POLITE_CLOSE = ["Let us know if there is anything else we can do.", "Have a lovely day.",
                "We are here if you need anything else."]
RUDE = ["Ugh, read the website before wasting my time.", "Obviously. Figure it out yourself.",
        "Stop bothering us with this.", "Seriously? Everyone knows this."]


def pair(r: random.Random, topic: str) -> dict:
    """One question with a correct, polite reply and either a rude or a wrong one."""
    forms, right, wrong = FACTS[topic]
    question = r.choice(forms).format(item=r.choice(ITEMS))
    question = question[0].upper() + question[1:]
    chosen = f"{r.choice(POLITE_OPEN)} Yes, {right}. {r.choice(POLITE_CLOSE)}" if topic != "password" else \
        f"{r.choice(POLITE_OPEN)} Please {right}. {r.choice(POLITE_CLOSE)}"
    if r.random() < 0.5:
        rejected, kind = f"{r.choice(RUDE)} {right[0].upper() + right[1:]}.", "rude"
    else:
        rejected, kind = f"{r.choice(POLITE_OPEN)} Unfortunately, {wrong}. {r.choice(POLITE_CLOSE)}", "wrong"
    return {"prompt": f"Customer: {question}\nAgent:", "chosen": " " + chosen, "rejected": " " + rejected,
            "topic": topic, "rejected_is": kind}


def main(rows: int = 240, seed: int = 12) -> Path:
    """Write ``rows`` pairs next to this script; return the file."""
    r = random.Random(seed)
    topics = sorted(FACTS)
    out = Path(__file__).with_name("support_preferences.jsonl")
    with out.open("w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(json.dumps(pair(r, topics[i % len(topics)])) + "\n")
    return out


if __name__ == "__main__":
    print(main())
