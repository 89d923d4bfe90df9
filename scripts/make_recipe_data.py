#!/usr/bin/env python3
"""Generate the small data sets of the example recipes in ``recipes/``.

* ``recipes/data/shop_faq_instructions.jsonl`` (``recipes/instruct-lora.ftr``): questions a
  customer asks the support assistant of "Wrenly", the fictional smart-home shop of the
  quickstart data, each with the answer the assistant should give::

      {"id": "faq-0001", "topic": "returns", "prompt": "Can I return a camera I opened?",
       "completion": "Yes. You can return any Wrenly product within 30 days ..."}

* ``recipes/data/ticket_summaries.jsonl`` (``recipes/summarize-seq2seq.ftr``): a support
  message sent to Wrenly and the one-line summary an agent writes at the top of the ticket::

      {"id": "sum-0001", "message": "Hi, I ordered the Doorbell Pro ...",
       "summary": "Doorbell Pro order WR-482130 not delivered; tracking stuck since May 3."}

Both are synthetic and written for ftcore: every fact about Wrenly (prices, policies, plans) is
made up, and no row holds real personal data (names and order numbers are invented). The files
are built with a fixed seed and the Python standard library only, so running this script again
reproduces them byte for byte; ``--check`` verifies that and ``--stats`` prints the counts.

    python scripts/make_recipe_data.py            # write both files
    python scripts/make_recipe_data.py --check    # exit 1 if a file differs from what it makes
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20240611
DATA = Path(__file__).resolve().parents[1] / "recipes" / "data"

# --------------------------------------------------------------------------------------------
# The shop: one consistent set of (fictional) facts used by both data sets.
# --------------------------------------------------------------------------------------------

# name -> (price in USD, power, what it does, how it is set up)
PRODUCTS = {
    "Wrenly Cam 2": ("$59", "a USB-C cable (included)", "an indoor 2K camera with night vision and two-way audio",
                     "plug it in, open the Wrenly app, tap Add device and scan the QR code on its base"),
    "Cam Outdoor": ("$99", "a rechargeable battery that lasts about 4 months per charge",
                    "a weatherproof (IP65) battery camera with a built-in spotlight",
                    "charge it fully, tap Add device in the Wrenly app and scan the QR code on the back"),
    "Doorbell Pro": ("$149", "existing doorbell wiring (8-24 V AC) or its rechargeable battery",
                     "a video doorbell with a head-to-toe 1536p view and package detection",
                     "switch off the doorbell's breaker, mount the plate, connect the two wires and add it in the app"),
    "Doorbell Lite": ("$79", "a rechargeable battery that lasts about 3 months per charge",
                      "a battery video doorbell with 1080p video",
                      "charge it, press the button on the back for 5 seconds and add it in the Wrenly app"),
    "Smart Plug Mini": ("$15", "the wall socket it plugs into",
                        "a compact Wi-Fi plug with energy monitoring, rated for 15 A",
                        "plug it in, wait for the blue blinking light and add it in the Wrenly app"),
    "Wrenly Hub": ("$69", "the included power adapter", "a Zigbee and Thread hub that connects Wrenly sensors",
                   "connect it to your router with the included Ethernet cable and add it in the app"),
    "motion sensor": ("$25", "a CR2450 coin battery that lasts about 2 years",
                      "a Zigbee motion sensor that needs the Wrenly Hub",
                      "pull the battery tab, then add it in the app under Wrenly Hub > Add sensor"),
    "door sensor": ("$19", "a CR2032 coin battery that lasts about 2 years",
                    "a Zigbee contact sensor for doors and windows that needs the Wrenly Hub",
                    "pull the battery tab, stick both parts within 1 cm of each other and add it under Wrenly Hub"),
    "smart thermostat": ("$129", "the C-wire of your heating system or the included power adapter",
                         "a learning thermostat that works with most 24 V heating and cooling systems",
                         "turn off the heating at the breaker, label the wires, mount the base and follow the app"),
    "smart lock": ("$179", "four AA batteries that last about 6 months",
                   "a retrofit smart lock that fits over most single-cylinder deadbolts",
                   "fit the adapter to your deadbolt, attach the lock and calibrate it in the app"),
    "smart bulb": ("$12", "a standard E26/E27 socket", "a 9 W color bulb equal to a 60 W bulb",
                   "screw it in, switch the light on and add it in the Wrenly app"),
    "water leak sensor": ("$22", "two AAA batteries that last about 2 years",
                          "a Zigbee leak sensor with an 85 dB siren that needs the Wrenly Hub",
                          "put in the batteries, place it on the floor where water would collect and add it under Wrenly Hub"),
}

# plan -> (monthly price, yearly price, what it adds)
PLANS = {
    "Basic": ("free", "free", "live view, alerts and 24 hours of event history"),
    "Plus": ("$3.99", "$39.99", "30 days of cloud recordings for one camera"),
    "Pro": ("$9.99", "$99.99", "60 days of recordings for up to 10 cameras, person and package detection"),
    "Family": ("$12.99", "$129.99", "everything in Pro for up to 6 family members with their own logins"),
    "Business": ("$8 per seat", "$80 per seat", "Pro features, admin roles, single sign-on and VAT invoices"),
}


def _faq_entries() -> list[tuple[str, list[str], str]]:
    """(topic, question phrasings, answer) for every fact the assistant knows."""
    entries: list[tuple[str, list[str], str]] = [
        ("returns", ["Can I return something I bought from Wrenly?", "What is your return policy?",
                     "How long do I have to return a product?", "can i send back a device i opened",
                     "Is there a return window?"],
         "Yes. You can return any Wrenly product within 30 days of delivery, opened or not, as long as "
         "it comes back with its accessories. Start the return under Orders > Return an item and we "
         "refund you within 5 business days of receiving it."),
        ("returns", ["Who pays for return shipping?", "Do I have to pay to send a return back?",
                     "Is the return label free?"],
         "Return shipping is free in the US, the UK and the EU: the return form gives you a prepaid "
         "label. For other countries we refund the shipping cost up to $15 when you send us the receipt."),
        ("returns", ["How long does a refund take?", "When will I get my money back?",
                     "I returned my order, where is my refund?"],
         "Refunds are issued within 5 business days after the warehouse receives your return, to the "
         "payment method you used. Your bank may take another 3 to 7 days to show it."),
        ("warranty", ["What warranty do Wrenly products have?", "How long is the warranty?",
                      "Is my camera covered if it breaks?", "warranty length?"],
         "Every Wrenly device has a 2-year limited warranty from the delivery date. If it stops working "
         "because of a defect, we replace it for free; open a warranty claim under Orders > Get help."),
        ("warranty", ["My device arrived damaged, what do I do?", "The box was crushed and the camera is broken.",
                      "I received a broken item."],
         "Sorry about that! Send us a photo of the damage within 14 days of delivery from Orders > Get help "
         "and we ship a replacement right away; you don't need to send the broken one back."),
        ("shipping", ["How much is shipping?", "Do you offer free shipping?", "What does delivery cost?"],
         "Standard shipping is free on orders over $35 and $4.99 below that. Express shipping costs "
         "$12.99 and arrives in 1 to 2 business days."),
        ("shipping", ["How long does delivery take?", "When will my order arrive?",
                      "how fast do you ship"],
         "Orders placed before 2 pm ship the same business day. Standard delivery takes 3 to 5 business "
         "days; express takes 1 to 2. Your tracking link is in the shipping e-mail and under Orders."),
        ("shipping", ["Do you ship internationally?", "Can I order from Canada?", "Which countries do you ship to?"],
         "We ship to the US, Canada, the UK, the EU, Australia and New Zealand. Prices in the shop include "
         "VAT for the UK and the EU; other countries may charge import duties on delivery."),
        ("shipping", ["Can I change my delivery address?", "I entered the wrong address, can you fix it?"],
         "You can change the address under Orders until the order ships, usually within a few hours. After "
         "that, use the carrier's link in your tracking e-mail to redirect the parcel."),
        ("orders", ["Can I cancel my order?", "How do I cancel an order I just placed?"],
         "Yes, as long as it has not shipped: open Orders, pick the order and tap Cancel order. The full "
         "amount goes back to your payment method within 3 business days. Once it has shipped, return it instead."),
        ("orders", ["What payment methods do you accept?", "Can I pay with PayPal?", "Do you take Amex?"],
         "We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay. Business "
         "customers can also pay yearly plans by bank transfer."),
        ("orders", ["How do I get an invoice?", "Where can I download my receipt?", "I need a VAT invoice."],
         "Every order and subscription payment has a PDF invoice under Account > Billing > Invoices. To add "
         "a company name or VAT number, enter it under Billing details before downloading."),
        ("subscription", ["How do I cancel my subscription?", "I want to stop my plan renewing.",
                          "how to turn off auto renew"],
         "Open the Wrenly app, go to Account > Subscription and tap Cancel plan. You keep your plan until the "
         "end of the period you paid for, then your account moves to the free Basic plan."),
        ("subscription", ["Can I switch between monthly and yearly billing?", "How do I change to yearly?"],
         "Yes: under Account > Subscription, tap Change billing. Switching to yearly starts right away and "
         "credits what is left of your month; switching to monthly starts at your next renewal."),
        ("subscription", ["Do recordings get deleted if I downgrade?", "What happens to my clips if I cancel Pro?"],
         "Recordings you already have stay available until they reach the history length of your new plan; "
         "download any clip you want to keep from the event history before the plan ends."),
        ("subscription", ["Is there a free trial?", "Can I try Pro for free?"],
         "Yes, new accounts get a 30-day free trial of Pro. We remind you by e-mail 3 days before it ends, and "
         "you can cancel it at any time under Account > Subscription."),
        ("subscription", ["What plans do you offer?", "Which subscriptions are there?", "compare your plans"],
         "There are five plans: Basic (free), Plus ($3.99 a month), Pro ($9.99 a month), Family ($12.99 a "
         "month) and Business ($8 per seat a month). Every paid plan is cheaper when paid yearly."),
        ("account", ["I forgot my password.", "How do I reset my password?", "password reset link not working"],
         "Tap Forgot password on the sign-in screen and enter your account e-mail; the reset link is valid "
         "for 1 hour. If it doesn't arrive within a few minutes, check your spam folder and request a new one."),
        ("account", ["How do I turn on two-factor authentication?", "Can I use an authenticator app?"],
         "Go to Account > Security > Two-factor authentication and choose an authenticator app or SMS codes. "
         "Save the backup codes it shows; they let you sign in if you lose your phone."),
        ("account", ["How do I delete my account?", "Please erase all my data.", "close my Wrenly account"],
         "Go to Account > Privacy > Delete account. We cancel any subscription, then erase your account, "
         "devices and recordings within 30 days. This cannot be undone, so download any clips you want first."),
        ("account", ["Can I share my cameras with my family?", "How do I give someone else access?"],
         "Yes: in the app, open Home > Members and invite them by e-mail. Shared members can view live video "
         "and events; only the owner can change settings, unless you make them an admin."),
        ("devices", ["My camera is offline.", "Why does my device keep going offline?", "cam shows offline"],
         "Most devices go offline because of weak Wi-Fi. Check that the device is within range of your router "
         "and on a 2.4 GHz network, then unplug it for 10 seconds. If it stays offline, reset it and add it again."),
        ("devices", ["Do Wrenly devices work with 5 GHz Wi-Fi?", "Can I use 5GHz?"],
         "Wrenly cameras, doorbells and plugs connect to 2.4 GHz Wi-Fi only. If your router uses one name for "
         "both bands, that's fine: the device picks 2.4 GHz by itself."),
        ("devices", ["How do I factory reset a device?", "How do I reset my camera?"],
         "Hold the reset button for 10 seconds until the light blinks red, then release it. The device forgets "
         "its Wi-Fi and account; remove it in the app before adding it again."),
        ("devices", ["How do I update the firmware?", "Do devices update themselves?"],
         "Firmware updates install automatically at night. To update now, open the device's settings in the "
         "app and tap Firmware > Check for updates; keep the device powered until it restarts."),
        ("devices", ["Does Wrenly work with Alexa?", "Can I use Google Home with Wrenly?",
                     "Is HomeKit supported?"],
         "Yes. Wrenly works with Alexa, Google Home and Apple HomeKit (through Matter on the Wrenly Hub). "
         "Link them under Account > Integrations in the Wrenly app."),
        ("devices", ["Is my video stored in the cloud?", "Where are recordings kept?", "Is my video encrypted?"],
         "Recordings are stored encrypted in the cloud on paid plans, for 30 or 60 days depending on the plan. "
         "Cameras with a microSD slot can also record locally without a plan."),
        ("privacy", ["Do you sell my data?", "Do you share my data with advertisers?", "Is my data sold to anyone?"],
         "No. We never sell personal data, and Wrenly staff can only view a recording if you share it with "
         "support yourself. You can download or erase your data at any time under Account > Privacy."),
        ("support", ["How can I contact a person?", "Do you have phone support?", "What are your support hours?"],
         "You can chat with our support team in the app under Help, every day from 8 am to 10 pm Eastern "
         "time. Pro, Family and Business customers can also request a call back."),
    ]
    for name, (price, power, what, setup) in PRODUCTS.items():
        entries.append(("products", [f"How much is the {name}?", f"What does the {name} cost?",
                                     f"price of {name}?"],
                        f"The {name} costs {price}. It is {what}."))
        entries.append(("products", [f"How is the {name} powered?", f"Does the {name} need batteries?"],
                        f"The {name} runs on {power}."))
        entries.append(("warranty", [f"What's the warranty on the {name}?", f"Can I return the {name} if I don't like it?"],
                        f"The {name} has a 2-year limited warranty from delivery, and you can return it within "
                        f"30 days for a full refund, opened or not, from Orders > Return an item."))
        entries.append(("setup", [f"How do I set up the {name}?", f"How do I install my new {name}?",
                                  f"setting up {name} help"],
                        f"To set up the {name}, {setup}. The app walks you through the rest in a few minutes."))
    for plan, (month, year, adds) in PLANS.items():
        if month == "free":
            entries.append(("subscription", [f"What do I get with the {plan} plan?", f"Is {plan} free?"],
                            f"{plan} is free with every Wrenly device and includes {adds}."))
            continue
        entries.append(("subscription", [f"How much is the {plan} plan?", f"What does {plan} include?",
                                         f"what's in {plan}", f"Is {plan} cheaper if I pay yearly?"],
                        f"{plan} costs {month} a month or {year} a year and includes {adds}."))
    return entries


def make_faq(rng: random.Random) -> list[dict]:
    rows = []
    for topic, questions, answer in _faq_entries():
        for question in questions:
            rows.append({"topic": topic, "prompt": question, "completion": answer})
    rng.shuffle(rows)
    return [{"id": f"faq-{i:04d}", **row} for i, row in enumerate(rows, 1)]


# --------------------------------------------------------------------------------------------
# Ticket summaries: a message built from a situation, and the agent's one-line summary of it.
# --------------------------------------------------------------------------------------------

FIRST_NAMES = ["Ana", "Tom", "Priya", "Lukas", "Mei", "Omar", "Sofia", "Jonas", "Grace", "Diego",
               "Hana", "Noah", "Ines", "Ravi", "Chloe", "Malik", "Elena", "Sam", "Yuki", "Bram"]
CARRIERS = ["UPS", "DHL", "FedEx", "USPS", "Royal Mail", "DPD"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
GREETINGS = ["Hi,", "Hello,", "Hi there,", "Dear Wrenly support,", "Hey,", "Good morning,", ""]
SIGNOFFS = ["Thanks,", "Thank you!", "Best regards,", "Cheers,", "Thanks in advance,", ""]


def _order(rng: random.Random) -> str:
    return rng.choice([f"#{rng.randint(10000, 99999)}", f"WR-{rng.randint(100000, 999999)}"])


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"


def _amount(rng: random.Random) -> str:
    return rng.choice(["$", "£", "€"]) + f"{rng.randint(3, 180)}.{rng.choice(['00', '99', '49', '95'])}"


def _situation(kind: str, rng: random.Random) -> tuple[list[str], str]:
    """(sentences of the message, summary) for one situation of the given kind."""
    product = rng.choice(list(PRODUCTS))
    plan = rng.choice([p for p in PLANS if p != "Basic"])
    order, date, amount, carrier = _order(rng), _date(rng), _amount(rng), rng.choice(CARRIERS)
    days = rng.randint(3, 15)
    if kind == "late":
        msg = [rng.choice([f"I ordered the {product} on {date} (order {order}) and it still hasn't arrived.",
                           f"My order {order} with the {product} was supposed to come {days} days ago.",
                           f"Where is my {product}? Order {order}, placed {date}."]),
               rng.choice([f"The {carrier} tracking hasn't changed for {days} days.",
                           f"{carrier} tracking just says 'in transit'.",
                           "The tracking link shows nothing at all."]),
               rng.choice(["Can you check what is going on?", "Please send it again or refund me.",
                           "I need it before the weekend."])]
        who = carrier if msg[1].startswith(carrier) or carrier + " " in msg[1] else "the tracking link"
        return msg, f"{product} order {order} not delivered; {who} shows no progress."
    if kind == "damaged":
        defect = rng.choice(["the lens is cracked", "it won't power on", "the mount is missing",
                             "the box was crushed and the casing is broken", "it makes a buzzing noise"])
        msg = [rng.choice([f"The {product} I received today is faulty: {defect}.",
                           f"Order {order} arrived but {defect} on the {product}.",
                           f"Just unpacked my {product} and {defect}."]),
               rng.choice(["I'd like a replacement please.", "Can you send a new one?",
                           "What are my options?", "I want a refund."])]
        want = "refund" if "refund" in msg[1] else "replacement"
        return msg, f"{product} arrived defective ({defect.replace('the ', '', 1)}); customer wants a {want}."
    if kind == "refund":
        reason = rng.choice(["I was charged twice", "I cancelled but was still charged",
                             "the trial converted without any reminder", "I was charged the yearly price by mistake"])
        msg = [rng.choice([f"{reason[0].upper() + reason[1:]} for the {plan} plan on {date}.",
                           f"On {date} {reason} ({amount}) for {plan}."]),
               rng.choice([f"Please refund the {amount}.", "I want my money back.",
                           "Please reverse the charge."])]
        return msg, f"Refund requested for {plan} plan charge on {date}: {reason.replace('I was', 'was').replace('I ', 'customer ')}."
    if kind == "cancel":
        why, short = rng.choice([("I'm moving abroad", "moving abroad"), ("it's too expensive for me", "too expensive"),
                                 ("I don't use the cameras anymore", "no longer uses the cameras"),
                                 ("I switched to local recording", "switched to local recording"), ("", "")])
        msg = [rng.choice([f"Please cancel my {plan} subscription.", f"I want to stop my {plan} plan from renewing.",
                           f"How do I end my {plan} plan? I can't find the button."])]
        if why:
            msg.append(rng.choice([f"The reason is {why}.", f"{why[0].upper() + why[1:]}."]))
        return msg, f"Customer wants to cancel the {plan} subscription" + (f" ({short})." if why else ".")
    if kind == "offline":
        since = rng.choice(["since the last firmware update", f"since {date}", "since we changed our router",
                            "every night around midnight"])
        msg = [rng.choice([f"My {product} keeps going offline {since}.",
                           f"The {product} shows offline in the app {since}."]),
               rng.choice(["I already restarted it and the router.", "Resetting it didn't help.",
                           "Wi-Fi signal is fine in that room."])]
        return msg, f"{product} goes offline {since}; basic troubleshooting already tried."
    if kind == "login":
        err = rng.choice(["the 2FA code is always rejected", "the app says 'Session expired'",
                          "I never get the verification e-mail", "my account is locked after too many attempts"])
        msg = [rng.choice([f"I can't sign in to the Wrenly app: {err}.", f"Can't log in, {err}."]),
               rng.choice(["My password is correct.", "I need to see my cameras urgently.", "Tried on two phones."])]
        return msg, f"Customer cannot sign in: {err.replace('I never get', 'no').replace('my account is', 'account')}."
    if kind == "address":
        msg = [rng.choice([f"I put the wrong address on order {order}.",
                           f"Can I change the delivery address for order {order}?"]),
               rng.choice(["It should go to my office instead.", "I moved last week.",
                           "The house number is wrong."])]
        return msg, f"Customer wants to change the delivery address of order {order}."
    if kind == "invoice":
        what = rng.choice(["a VAT invoice", "an invoice with our company name", "a receipt for my expenses"])
        msg = [rng.choice([f"I need {what} for order {order}.", f"Could you send {what} for the {plan} plan payment on {date}?"]),
               rng.choice(["The one in the app has no VAT number.", "Our accountant is asking for it.", ""])]
        msg = [m for m in msg if m]
        return msg, f"Customer requests {what.replace('my', 'their').replace('our', 'their')}" + (f" for order {order}." if order in msg[0] else f" for the {plan} payment on {date}.")
    if kind == "feature":
        feat = rng.choice(["a dark mode in the app", "support for 5 GHz Wi-Fi", "an option to export all clips at once",
                           "a web dashboard", "custom alert sounds", "scheduling for smart plugs by sunset"])
        msg = [rng.choice([f"It would be great to have {feat}.", f"Any plans to add {feat}?", f"Please add {feat}!"]),
               rng.choice([f"I love my {product} otherwise.", "Other brands have it.", ""])]
        msg = [m for m in msg if m]
        return msg, f"Feature request: {feat}."
    raise ValueError(kind)


KINDS = ["late", "damaged", "refund", "cancel", "offline", "login", "address", "invoice", "feature"]


def make_summaries(rng: random.Random, n: int = 300) -> list[dict]:
    rows, seen = [], set()
    while len(rows) < n:
        kind = KINDS[len(rows) % len(KINDS)]
        sentences, summary = _situation(kind, rng)
        greeting, signoff = rng.choice(GREETINGS), rng.choice(SIGNOFFS)
        parts = ([greeting] if greeting else []) + sentences
        if signoff:
            parts.append(signoff + " " + rng.choice(FIRST_NAMES))
        message = " ".join(parts)
        if rng.random() < 0.15:
            message = message.lower()
        if message in seen:
            continue
        seen.add(message)
        rows.append({"kind": kind, "message": message, "summary": summary[0].upper() + summary[1:]})
    rng.shuffle(rows)
    return [{"id": f"sum-{i:04d}", **row} for i, row in enumerate(rows, 1)]


def _dump(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def build() -> dict[str, str]:
    return {"shop_faq_instructions.jsonl": _dump(make_faq(random.Random(SEED))),
            "ticket_summaries.jsonl": _dump(make_summaries(random.Random(SEED + 1)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the files instead of writing them")
    parser.add_argument("--stats", action="store_true", help="print row counts per topic / kind")
    args = parser.parse_args(argv)
    files = build()
    if args.stats:
        for name, text in files.items():
            rows = [json.loads(line) for line in text.splitlines()]
            key = "topic" if "topic" in rows[0] else "kind"
            print(f"{name}: {len(rows)} rows", dict(sorted(Counter(r[key] for r in rows).items())))
    if args.check:
        stale = [n for n, t in files.items() if not (DATA / n).is_file() or (DATA / n).read_text("utf-8") != t]
        for name in stale:
            print(f"{name} differs from what the generator makes", file=sys.stderr)
        return 1 if stale else 0
    if not args.stats:
        for name, text in files.items():
            (DATA / name).write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
