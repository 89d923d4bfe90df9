#!/usr/bin/env python3
"""Generate ``recipes/data/support_tickets.jsonl``, the quickstart data set.

The data set is synthetic and was written for ftcore: customer-support messages sent to
"Wrenly", a fictional company that sells smart-home gadgets in an online shop and runs a
subscription app (cloud recording, automations) on top of them. Each row is one message
with the intent the customer picked in the contact form::

    {"id": "st-00042", "text": "where is my order #48213??", "label": "delivery_status"}

How a message is built:

* one of many hand-written phrasings for its intent (terse, angry, polite, rambling,
  non-native English), with slots filled from small lists (products, order numbers, dates,
  amounts in several currencies, plans, devices, browsers, error messages, ...);
* or a situation sentence shared by neighbouring intents ("I was charged {amount} on
  {date}.") followed by a short ask ("Can I get that money back?");
* about 6% come from "ambiguous" phrasings that mention two intents but have one primary
  intent (a refund asked for after cancelling, a broken item that was also late, ...);
* about 9% are contrastive ("I don't want to get a refund, I want a replacement for the
  broken hub"): the words of two neighbouring intents, told apart only by word order;
* optional greeting, sign-off, unrelated context sentences and background about an
  earlier, settled matter ("The refund for my last order came through fine.");
* surface noise: lower-casing, dropped punctuation, typos and common misspellings,
  shouted fragments;
* a few exact and near duplicates, a few empty-ish and a few very long messages, as a real
  support inbox has (the data pipeline's ``dedupe`` and ``drop_empty`` steps deal with them).

The output depends only on this file: the generator uses a fixed seed and the standard
library only, so running it again reproduces the file byte for byte::

    python scripts/make_support_tickets.py            # writes recipes/data/support_tickets.jsonl
    python scripts/make_support_tickets.py --check    # fails if the file on disk differs
    python scripts/make_support_tickets.py --stats    # rows per label and per kind of message
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

SEED = 20240611
OUTPUT = Path(__file__).resolve().parent.parent / "recipes" / "data" / "support_tickets.jsonl"

# Relative share of each intent; the largest class is about 2.6x the smallest.
TOTAL = 3600
WEIGHTS = {
    "delivery_status": 1.00,
    "billing_refund": 0.95,
    "login_problem": 0.85,
    "bug_report": 0.80,
    "cancel_subscription": 0.75,
    "password_reset": 0.70,
    "damaged_item": 0.65,
    "change_plan": 0.55,
    "update_payment_method": 0.50,
    "invoice_request": 0.45,
    "feature_request": 0.45,
    "account_deletion": 0.38,
}
AMBIGUOUS_SHARE = 0.06
CONTRAST_SHARE = 0.09  # "I don't want to A, I want to B" with A, B from neighbouring intents
COMPOSED_SHARE = 0.42  # situation sentence + short ask; the rest are whole phrasings
EXACT_DUPLICATES = 30
NEAR_DUPLICATES = 20
LONG_MESSAGES = 8

# --------------------------------------------------------------------------------------------
# Slot fillers
# --------------------------------------------------------------------------------------------

PRODUCTS = [
    "Wrenly Cam 2", "Cam Outdoor", "Doorbell Pro", "video doorbell", "Smart Plug Mini",
    "smart plug", "Wrenly Hub", "hub", "desk lamp", "LED strip", "light strip", "air purifier",
    "thermostat", "smart thermostat", "motion sensor", "door sensor", "floodlight camera",
    "baby monitor", "smart scale", "robot vacuum", "wireless charger", "bluetooth speaker",
    "smoke detector", "water leak sensor", "smart lock", "Mini Cam", "indoor camera",
    "solar panel for the outdoor cam", "chime", "range extender", "bulb 4-pack", "smart bulb",
    "kettle", "power bank", "wall mount", "Doorbell Lite", "Cam 2 bundle",
]
PLANS = ["Basic", "Plus", "Pro", "Family", "Business", "Premium", "Starter", "Team"]
DEVICES = [
    "iPhone 13", "iPhone 15 Pro", "iPhone SE", "iPad", "iPad mini", "Pixel 7", "Pixel 8a",
    "Samsung Galaxy S22", "Galaxy A52", "OnePlus 9", "Xiaomi Redmi Note 11", "Android phone",
    "Android tablet", "MacBook", "Windows laptop", "Chromebook", "Fire tablet", "Moto G",
]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", "Brave", "Opera", "Chrome on Android"]
CARRIERS = ["UPS", "DHL", "FedEx", "USPS", "Royal Mail", "DPD", "Canada Post", "Evri",
            "PostNL", "GLS", "Australia Post", "Hermes"]
CARDS = ["Visa", "Mastercard", "Amex", "debit card", "Visa debit", "credit card",
         "Revolut card", "company card"]
ERRORS = [
    "Error 403", "error 500", "Something went wrong (code 5012)", "invalid credentials",
    "session expired", "ERR_TOO_MANY_REDIRECTS", "500 Internal Server Error",
    "Unexpected token < in JSON at position 0", "Sync failed: E-212", "E-1043",
    "network error, please try again", "Request failed with status code 401",
    "unknown error", "code 0x80070005", "Oops! We couldn't process your request",
    "AUTH_TOKEN_INVALID", "timeout", "Service unavailable", "error 9", "null",
    "ERR_CONNECTION_RESET", "Account not found", "E-301 device unreachable",
]
FEATURES_EXISTING = ["motion zones", "night mode", "auto-arm", "geofencing", "quiet hours",
                     "person detection", "away mode", "two-way audio"]
INTEGRATIONS = ["Google Home", "Alexa", "HomeKit", "IFTTT", "Home Assistant", "SmartThings",
                "Matter", "Zapier", "Apple Shortcuts"]
LANGUAGES = ["Polish", "Portuguese", "Turkish", "Korean", "Dutch", "Czech", "Greek", "Hindi"]
FIRST_NAMES = [
    "Anna", "Tom", "Priya", "Lukas", "Maria", "James", "Sofia", "Ahmed", "Chen", "Olga",
    "David", "Fatima", "Kenji", "Laura", "Mateo", "Grace", "Ivan", "Nadia", "Peter", "Aisha",
    "Jonas", "Emily", "Carlos", "Hannah", "Ravi", "Zoe", "Marek", "Julia", "Sam", "Bea",
]
LAST_NAMES = [
    "Smith", "Kowalski", "Nguyen", "Garcia", "Muller", "Okafor", "Rossi", "Tanaka", "Brown",
    "Singh", "Dubois", "Jensen", "Silva", "Ivanova", "Cohen", "Murphy", "Haddad", "Park",
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "web.de",
                 "icloud.com", "proton.me", "gmx.net", "example.org"]
COMPANY_NAMES = ["Hollis & Park Ltd", "Brauer GmbH", "Sunny Dental Clinic", "Oakridge Realty",
                 "Nordvik AS", "Castillo Logistics S.L.", "Bluefin Studio", "Greenleaf Cafe"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _amount(rng: random.Random) -> str:
    value = rng.choice([4.99, 9.99, 12.5, 14.99, 19.99, 24, 29.99, 39, 49.99, 59.95, 79,
                        89.99, 99, 119.99, 129, 149.99, 199, 249, 299.99, 349])
    whole = value == int(value)
    num = f"{int(value)}" if whole else f"{value:.2f}"
    style = rng.randrange(9)
    if style == 0:
        return f"${num}"
    if style == 1:
        return f"€{num}"
    if style == 2:
        return f"£{num}"
    if style == 3:
        return f"{num} EUR"
    if style == 4:
        return f"USD {num}"
    if style == 5:
        return f"{num.replace('.', ',')} €"
    if style == 6:
        return f"CA${num}"
    if style == 7:
        return f"{num} dollars"
    return f"{num} euros"


def _order(rng: random.Random) -> str:
    digits = rng.randrange(10000, 99999)
    style = rng.randrange(5)
    if style == 0:
        return f"#{digits}"
    if style == 1:
        return f"#WR-{digits}{rng.randrange(10)}"
    if style == 2:
        return str(digits)
    if style == 3:
        return f"WR{rng.randrange(100000, 999999)}"
    return f"# {digits}"


def _date(rng: random.Random) -> str:
    style = rng.randrange(9)
    day = rng.randrange(1, 29)
    month = rng.randrange(1, 13)
    if style == 0:
        return f"{MONTHS[month - 1]} {day}"
    if style == 1:
        return f"{month}/{day}"
    if style == 2:
        return f"{day:02d}.{month:02d}."
    if style == 3:
        return f"last {rng.choice(WEEKDAYS)}"
    if style == 4:
        return rng.choice(["yesterday", "the day before yesterday", "this morning"])
    if style == 5:
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
        return f"the {day}{suffix}"
    if style == 6:
        return f"2024-{month:02d}-{day:02d}"
    if style == 7:
        return rng.choice(WEEKDAYS)
    return f"{day} {MONTHS[month - 1][:3]}"


def _email(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES).lower()
    last = rng.choice(LAST_NAMES).lower()
    style = rng.randrange(4)
    if style == 0:
        local = f"{first}.{last}"
    elif style == 1:
        local = f"{first}{rng.randrange(1, 99)}"
    elif style == 2:
        local = f"{first[0]}{last}"
    else:
        local = f"{last}.{first}{rng.randrange(70, 99)}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


SLOTS = {
    "product": lambda r: r.choice(PRODUCTS),
    "plan": lambda r: r.choice(PLANS),
    "device": lambda r: r.choice(DEVICES),
    "browser": lambda r: r.choice(BROWSERS),
    "carrier": lambda r: r.choice(CARRIERS),
    "card": lambda r: r.choice(CARDS),
    "error": lambda r: r.choice(ERRORS),
    "feature_existing": lambda r: r.choice(FEATURES_EXISTING),
    "integration": lambda r: r.choice(INTEGRATIONS),
    "language": lambda r: r.choice(LANGUAGES),
    "amount": _amount,
    "order": _order,
    "date": _date,
    "email": _email,
    "name": lambda r: r.choice(FIRST_NAMES),
    "fullname": lambda r: f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}",
    "company_name": lambda r: r.choice(COMPANY_NAMES),
    "days": lambda r: str(r.randrange(3, 26)),
    "num": lambda r: str(r.randrange(2, 40)),
    "year": lambda r: str(r.randrange(2018, 2025)),
    "last4": lambda r: f"{r.randrange(10000):04d}",
    "version": lambda r: f"{r.randrange(3, 6)}.{r.randrange(0, 15)}.{r.randrange(0, 4)}",
    "rma": lambda r: f"RMA-{r.randrange(100000, 999999)}",
    "ticket": lambda r: f"#T-{r.randrange(10000, 99999)}",
    "invoice": lambda r: f"INV-2024-{r.randrange(1, 9999):05d}",
    "taxid": lambda r: r.choice(["DE", "FR", "NL", "ES", "IT", "GB"]) + str(r.randrange(10**8, 10**9)),
    "wish": lambda r: r.choice(WISHES),
    "promo": lambda r: r.choice(["WELCOME10", "SPRING20", "BF2024", "SAVE15", "FRIENDS25"]),
}
# Slots whose second value must differ from the first ({plan} vs {plan2}).
PAIRED = {"plan2": "plan", "amount2": "amount", "product2": "product"}

# --------------------------------------------------------------------------------------------
# Intent phrasings
# --------------------------------------------------------------------------------------------

TEMPLATES: dict[str, list[str]] = {
    "billing_refund": [
        "I don't want a replacement, I want my money back for the {product}.",
        "I'm not asking to cancel anything, I just want the {amount} from {date} refunded.",
        "No need for an invoice, I need the {amount} charge reversed.",
        "Don't change my card or my plan, just refund the charge from {date}.",
        "I'd like a refund for order {order}.",
        "Can I get my money back for the {product}? It's not what I expected.",
        "You charged me {amount} on {date} and I never authorized that. Refund please.",
        "refund for {order} pls",
        "I returned the {product} {days} days ago and still haven't seen the refund on my {card}.",
        "WHERE IS MY REFUND. I sent the item back on {date}!!",
        "Hello, I was billed twice for the {plan} plan this month ({amount} each). Please reverse one of the charges.",
        "The {product} doesn't work with my setup so I sent it back. When will the {amount} be credited?",
        "I want a full refund. The {product} stopped working after a week and I don't want another one.",
        "Hi, my bank statement shows a charge of {amount} from you that I don't recognise. If it's a mistake please refund it.",
        "is it possible to get refund? i buy {product} by mistake, i wanted other model",
        "I was charged for the annual renewal of {plan} on {date}. I forgot to turn off auto-renew and haven't used it at all. Could you refund it?",
        "You promised the money back in 5-7 business days. It has been {days} days. Order {order}.",
        "Requesting a refund of {amount} for the unused part of my subscription.",
        "The promo code {promo} didn't apply at checkout, so I paid {amount} too much. Can you refund the difference?",
        "The price of the {product} dropped two days after I bought it. Do you do price adjustments or partial refunds?",
        "Refund status? Return label used on {date}, tracking shows you received it.",
        "Ive been charged {amount} for a free trial that was supposed to be free!! want my money back",
        "Please process the refund for the return I made (order {order}). The RMA number is {rma}.",
        "Got the email saying my refund was approved but nothing in my account yet. It's been over a week.",
        "how long do refunds take to show up on a {card}",
        "I'm disputing the {amount} charge. Either you reverse it or I go to my bank.",
        "could you refund me for {order}? The seller page says I'm still eligible.",
        "refund.",
        "my son bought {plan} with my card without asking. can you please give the money back, he's 12",
        "Good afternoon. I cancelled the order {order} within an hour of placing it, but the money ({amount}) was still taken from my account. Kindly refund.",
        "Money back please, the {product} is nothing like the photos.",
        "I was told I'd get store credit, but I'd prefer the money to go back to my original payment method.",
        "Can the refund go to a different card? The one I paid with is closed now.",
        "Charged {amount} instead of {amount2} for {order}. Please refund the overcharge.",
        "ok so I returned two items from order {order} but only got money back for one of them??",
        "Hello, do I get the shipping cost back as well when I return the {product}?",
        "The {plan} subscription renewed at {amount} even though the site said {amount2}. Pay back the difference, thanks.",
        "Still waiting on my reimbursment for the {product} return. Ticket {ticket}.",
        "I want to return the {product} and get a refund, it is unopened. How do I do that?",
        "Refund request: order {order}, amount {amount}, reason: arrived too late for the event I needed it for.",
        "Why was I charged {amount} again this month? I want it reversed.",
        "hi, i paid {amount} for express shipping but it came standard. can i get that part back",
        "I'd like to send back the {product} under your 30-day guarantee. How do I get reimbursed?",
        "There is a {amount} charge on my statement from WRENLY*SUBS that I didn't make. Please return my money.",
    ],
    "cancel_subscription": [
        "I don't need a refund for this month, just make sure I'm never charged again.",
        "Not looking to downgrade or switch plans, I want to cancel.",
        "Don't delete my account, just stop the subscription.",
        "I'm not upset and I don't want my money back, I just don't need the {plan} plan anymore.",
        "Please cancel my subscription.",
        "How do I cancel my {plan} plan? I can't find the option anywhere in the app.",
        "I want to stop my membership at the end of this billing period.",
        "cancel my account subscription asap",
        "Hi, I no longer need Wrenly {plan}. Please make sure it doesn't renew on {date}.",
        "Turn off auto-renewal for me please.",
        "STOP CHARGING ME EVERY MONTH. I don't want this service anymore.",
        "I tried to cancel in settings but the button just spins. Can you cancel it from your side?",
        "We're moving to a different provider, so please end our {plan} subscription for the team.",
        "i would like to unsubscribe from the monthly plan, too expensive for me now",
        "Can I pause my subscription instead of cancelling? If not, just cancel it.",
        "How do I end my free trial before it converts to paid?",
        "Please confirm my subscription has been cancelled. I never got a confirmation email.",
        "I cancelled on {date} but the app still shows my plan as active. Is it really cancelled?",
        "Don't renew my plan. I'm done.",
        "Hello, I am writing to request the cancellation of my {plan} subscription, account email {email}.",
        "how to cancel??",
        "My dad passed away and I need to stop his Wrenly subscription. What do you need from me?",
        "Cancel subscription for {email}. Reason: not using it enough.",
        "Is there a cancellation fee if I stop my annual plan early?",
        "Please stop the recurring payment for the {plan} membership.",
        "I subscribed through the App Store on my {device}, how do I cancel?",
        "end my subscription. no i don't want a discount to stay",
        "I signed up by accident during checkout, please cancel the {plan} membership right away.",
        "Can you cancel the second subscription on my account? I only need one.",
        "Hi! I'll be travelling for six months, so I want to cancel my plan for now. I may come back later.",
        "Your cancel page keeps redirecting me to 'special offers'. I just want out.",
        "cancel pls",
        "please I want stop subscription, I not use anymore the service",
        "What happens to my recordings if I cancel my {plan} plan?",
        "Our company is closing down. Please terminate the {plan} contract, effective immediately.",
        "I want to opt out of the auto renewal of my yearly subscription before {date}.",
        "Cancel my Plus membership but keep my account, I might still buy stuff from the shop.",
        "Why is it so hard to cancel? I've clicked through 5 pages. Just cancel it.",
        "Unsubscribe me from the paid plan please (not the newsletter, the actual subscription).",
        "I don't use the cloud recording anymore, please end it before the next charge on {date}.",
        "i sold my cameras so there's no point paying for {plan} anymore. stop it please",
        "How many days before renewal do I have to cancel so I'm not billed again?",
    ],
    "change_plan": [
        "Not looking to cancel, I just want to downgrade to something cheaper.",
        "I don't want a refund, I want to use the rest of the month to move up to {plan2}.",
        "Don't cancel anything, just move me from {plan} to {plan2}.",
        "I'd like to upgrade from {plan} to {plan2}.",
        "How do I switch to the annual plan?",
        "Can I downgrade to {plan2}? I don't use most of the {plan} features.",
        "Please move our team from {plan} to {plan2}, we've added {num} more people.",
        "what's the difference between {plan} and {plan2}, and can I change mid-month?",
        "upgrade me to {plan2} pls",
        "If I switch from monthly to yearly billing now, do I lose the days left this month?",
        "We need more seats. Can you bump us to the {plan2} tier?",
        "I want a cheaper plan. {plan} is too much for what I use.",
        "Hi, I'm on the free tier and want to go {plan2}. Is there a discount for the first year?",
        "Change my plan to {plan2} starting next billing cycle.",
        "Is it possible to add one extra camera to my plan without going to {plan2}?",
        "Can I switch to the Family plan so my partner can use it too?",
        "downgrade request: {plan} -> {plan2}",
        "I accidentally picked the monthly {plan}, meant to choose annual. Can you switch it?",
        "How is the upgrade prorated? If I go to {plan2} today will I be charged the full {amount}?",
        "Our usage grew, we need the plan with API access. Which one is it and can you switch us?",
        "Please switch me back to {plan}, the {plan2} plan wasn't worth it.",
        "i want to change my subscription to student plan, i have student email",
        "Can I go from Business to Pro without losing our data?",
        "Looking to upgrade. Do you have something between {plan} and {plan2}?",
        "Reduce my seats from 10 to 4 please, we downsized.",
        "What's the cheapest tier that still keeps 30 days of history? I want to move to it.",
        "Hello, my trial ends on {date}. I want to continue on {plan2} instead of {plan}, how do I choose?",
        "CHANGE MY PLAN TO MONTHLY, I don't want to pay yearly",
        "Is there a way to change my plan from the app on {device}? Or web only?",
        "We'd like to move to the Enterprise plan. Who do I talk to about pricing?",
        "can i change tier mid cycle or do i have to wait until {date}",
        "Switch me to the plan with 60-day cloud storage.",
        "I upgraded to {plan2} yesterday but I still only see {plan} features.",
        "Please apply the nonprofit discount and move us to the {plan2} plan.",
        "Hi, I want to move my account to the {plan2} plan but keep my current billing date.",
        "Dear team, kindly change my subscription from {plan} to {plan2} as discussed with your colleague.",
        "would like to try {plan2} for a month then maybe go back",
        "I have 6 cameras now and {plan} only covers 4. What should I move to?",
        "My free trial of {plan2} is ending, I'd like to stay on it but pay yearly instead.",
    ],
    "delivery_status": [
        "The package isn't damaged, it just never arrived.",
        "Nothing is broken, I simply haven't received order {order} yet.",
        "I don't need a refund yet, I just want to know where the {product} is.",
        "Where is my order {order}?",
        "My package was supposed to arrive on {date} and it's still not here.",
        "Tracking hasn't updated in {days} days. Order {order}.",
        "Has my {product} shipped yet?",
        "The {carrier} tracking says delivered but I didn't get anything.",
        "when will my order arrive",
        "Hi, I ordered a {product} on {date}, can you give me an estimated delivery date?",
        "ORDER {order} STILL NOT DELIVERED. It's been {days} days!!",
        "Can you send me the tracking number for {order}? The confirmation email didn't have one.",
        "The tracking link says 'label created' since {date}. Did you actually ship it?",
        "I'm going to be away next week. Can the delivery for {order} be held or rescheduled?",
        "is my order lost? nothing moved since it left the warehouse",
        "hello, my order it say 'in transit' from one week, when it come?",
        "Could you check the status of order {order}? I need it before {date}.",
        "Your website says shipped but {carrier} says they haven't received the parcel.",
        "I got only one of the two boxes for {order}. Where's the second one?",
        "Package is stuck at customs. What do I need to do?",
        "Can I change the delivery address for {order}? It hasn't shipped yet.",
        "Tracking # doesn't work on the {carrier} site.",
        "Delivery attempted but I was home all day. Now what?",
        "The {product} I pre-ordered was supposed to ship on {date}. Any update?",
        "Where's my stuff",
        "Still waiting on the replacement {product} you promised to send. Has it been shipped?",
        "Driver left my parcel at the wrong house apparently? Tracking shows a photo of a door that isn't mine.",
        "Why is my order still 'processing' after {days} days?",
        "Hi there - any news on order {order}? Thanks.",
        "I paid for express shipping and it's been a week. Order {order}.",
        "package status shows returned to sender?? I didn't refuse anything",
        "Can you tell me which courier is delivering my {product}?",
        "Order {order} shows delivered to a pickup point I never chose.",
        "Is there a delay with {carrier} deliveries right now? My order is late.",
        "i need my order for a birthday on {date}, will it get here in time",
        "My order confirmation says 2-4 business days. We're on day {days}.",
        "The estimated delivery keeps getting pushed back. First it was {date}, now it says next week.",
        "Can I pick up my order at the depot instead? The {carrier} guy keeps missing me.",
        "ordered {product} {order} where is it",
        "Do you ship on weekends? Trying to figure out when my {product} will get here.",
        "It says out for delivery since 7am and now it's 9pm. Is it still coming today?",
    ],
    "damaged_item": [
        "The package did arrive, on time even, but the {product} inside is damaged.",
        "Delivery was fine, the problem is the {product} itself: it's cracked.",
        "I don't want my money back, I want a working {product}. This one came broken.",
        "My {product} arrived broken.",
        "The box was crushed and the {product} inside is cracked.",
        "Received order {order} today, the screen on the {product} is shattered.",
        "The {product} came with a missing part - no power adapter in the box.",
        "It arrived damaged. I want a replacement.",
        "There's a big scratch on the {product}, looks used.",
        "The glass on my {product} was smashed when I opened the package. Photos attached.",
        "hi the {product} i got is dented on the side and the lid doesn't close",
        "Item came wet, the box was soaked and now the {product} won't turn on.",
        "Wrong item AND it's damaged. I ordered a {product}, got a {product2} with a broken corner.",
        "The {product} is dead on arrival. Tried different outlets, nothing.",
        "Parts are rattling inside the {product}, something is clearly broken.",
        "I received the wrong colour {product}. I ordered white, this is black.",
        "package arrive with hole and the {product} is broken inside, what I do?",
        "Half of the screws are missing from the {product} kit, I can't assemble it.",
        "The seal on the box was already open and the {product} has fingerprints and a crack.",
        "BROKEN. AGAIN. Second {product} in a row that arrives in pieces.",
        "Can you send a replacement? My {product} has a dead pixel line across the screen from day one.",
        "The {product} was damaged in shipping. Do I need to send it back or can I just throw it away?",
        "My order {order} arrived, but the {product} has a cracked base. Can I get a new one sent?",
        "The charger that came with the {product} sparks when I plug it in. That's dangerous.",
        "I got the {product} but the mount bracket is bent and won't fit.",
        "Just opened my {product} and the lens has a chip in it.",
        "Item received in poor condition - packaging torn, product scuffed. Not acceptable for a new item.",
        "The {product} makes a loud buzzing noise out of the box, I think it's defective.",
        "Hey, got my delivery but one of the {product}s is smashed, the other is fine.",
        "It's leaking. The {product} arrived with liquid coming out of the bottom.",
        "the {product} is not the model I ordered and also the box is ripped",
        "Damaged item, order {order}. What are the next steps?",
        "Hello, unfortunately the {product} was broken on arrival. I would like an exchange please.",
        "The cable was cut and frayed when it arrived. Brand new {product}.",
        "My {product} doesn't power on at all, it never worked since I unboxed it on {date}.",
        "Missing items! Order {order} was supposed to have 3 {product}s, only 2 in the box.",
        "the courier clearly dropped it, corner is smashed in and the {product} rattles",
        "The {product} came with a cracked screen, I'd like a new one not my money back.",
        "You sent me a {product2} instead of the {product} I ordered.",
        "The {product} was delivered today but the battery is swollen, I'm scared to charge it.",
    ],
    "login_problem": [
        "My password is fine, I know it. The login page itself gives me {error}.",
        "I don't need a password reset, I already did that. The sign-in still fails with {error}.",
        "It's not the password - even the 'Sign in with Google' button fails.",
        "I can't log in to my account.",
        "The app keeps saying '{error}' when I try to sign in.",
        "I'm not receiving the two-factor code by SMS, so I can't get into my account.",
        "My account is locked after too many attempts. How long until it unlocks?",
        "Login page just reloads when I click sign in. Using {browser}.",
        "can't sign in on my {device}, works on laptop",
        "I log in and it immediately logs me out again.",
        "Sign in with Google doesn't work anymore, it says {error}.",
        "I changed my phone and now my authenticator app codes don't work. I'm locked out.",
        "It says no account exists with {email}, but I've been paying for a year!",
        "LOGIN BROKEN. Can't get into the app since the update.",
        "The verification email to confirm my login never arrives.",
        "i cant login it say {error} what i do",
        "Every time I try to sign in on {browser} I get {error}. Cleared cache already.",
        "I'm stuck in a loop: login, verify, login, verify.",
        "My password is correct (I use a password manager) but the app says invalid credentials.",
        "Can't access my account since I changed my email address.",
        "Hello, the SSO login for our company workspace fails with {error}. Several users affected.",
        "unable to login on the web dashboard, app works fine",
        "I'm getting 'account suspended' when I log in. Why?",
        "The captcha on the login page never accepts my answer.",
        "Face ID login stopped working on my {device} after the last update.",
        "I lost access to the phone number for 2FA. How can I get into my account?",
        "hi, can't get in to my account, it keeps spinning forever on the sign-in screen",
        "The magic link you email me for login says it's expired the moment I click it.",
        "It says my session has expired every 2 minutes and I have to sign in again.",
        "I got a login alert from another country and now I can't get into my account.",
        "I have two accounts apparently and it logs me into the wrong one.",
        "Login with Apple not working on the {device}.",
        "Since yesterday I can't sign in, error code {error}. Please fix",
        "Dear support, I am not able to access my account although my credentials are right. Kindly help.",
        "why does it keep asking me to verify my device every single time i log in",
        "Locked out of my account, help!!",
        "Admin here - one of our users can't log in, gets {error}. Others are fine.",
        "The sign-in button is greyed out even after I type my email and password.",
        "I can log in on the website but the {device} app says 'user not found'.",
    ],
    "password_reset": [
        "The login page works fine, I just don't remember my password.",
        "Nothing is wrong with the app, I just need to set a new password.",
        "I can get to the login screen but I've forgotten my password, how do I make a new one?",
        "I forgot my password.",
        "How do I reset my password?",
        "The password reset email never arrives. Checked spam.",
        "The reset link says it's expired or invalid.",
        "I want to change my password, where is that option?",
        "forgot pw, pls send reset link to {email}",
        "I clicked 'forgot password' three times and got nothing.",
        "I reset my password but the new one doesn't work.",
        "Can you reset the password for {email}? I no longer have access to that email.",
        "The new password keeps getting rejected - it says it doesn't meet the requirements but it does.",
        "i dont remember my password and the reset not work",
        "Please send me a password reset link, I'm locked out.",
        "My password was leaked in a breach elsewhere, I need to change it now.",
        "Reset password link takes me to a blank page on {browser}.",
        "The app is forcing me to update my password. How often do I need to do this?",
        "I set a new password yesterday and already forgot it. Can I reset again?",
        "Where do I change my password in the {device} app?",
        "Password reset code is not accepted, says {error}.",
        "hello i need new password, old one i forget",
        "Can an admin reset a team member's password? She's locked out and the email goes to an old address.",
        "The 'forgot password' button doesn't do anything on the mobile app.",
        "RESET MY PASSWORD PLEASE. I've tried 5 times.",
        "I get the reset email but when I enter the new password it says 'passwords do not match' even though they do.",
        "Hi, my partner changed our shared account password and neither of us remembers it now.",
        "Could you tell me the password requirements? My reset keeps failing.",
        "I think someone changed my password, I didn't request the reset email I just got.",
        "Need to reset my password but the email on file is my old work address.",
        "The reset email arrived but the link is for a different account?",
        "forgot password link sends me to the login page again and again",
        "Can I set a password? I've only ever signed in with Google and want a normal password.",
        "Hello, please could you help me reset my password. Thank you.",
        "pwd reset not working",
        "Is it safe to reset my password from a shared computer?",
        "I'm trying to change my password in settings but it asks for the current one, which I don't know.",
        "The reset code you text me has 6 digits but the box only lets me type 4.",
    ],
    "update_payment_method": [
        "No need to refund anything, I just want to change the card for future payments.",
        "I don't want to change plans, just the card that pays for it.",
        "Not cancelling! My card expired and I need to put the new one in.",
        "I need to update my credit card.",
        "How do I change the card on file? My old {card} expired.",
        "My card was replaced by the bank, can I add the new one?",
        "I want to pay with PayPal instead of my card.",
        "Payment failed because my card expired. Where do I update it?",
        "Please remove my old card ending in {last4} from the account.",
        "update billing info",
        "Can I use a different card for the next renewal?",
        "The page to update payment method gives {error}.",
        "I'd like to switch our company billing from card to bank transfer.",
        "Got an email that my payment didn't go through. New card is a {card}, how do I add it?",
        "how to change payment method in app",
        "My card ending {last4} was stolen, please make sure it's not used and let me add a new one.",
        "Can I add a backup payment method?",
        "i have new bank card, the old one dont work, how change",
        "Please change the billing address on my card details, we moved.",
        "Your site won't accept my Amex. Can I add it some other way?",
        "Can I pay with Apple Pay or Google Pay going forward?",
        "Want to set the company card as default instead of my personal one.",
        "I keep getting 'card declined' when updating to my new card, but the bank says it's fine.",
        "UPDATE MY CARD, the old one is cancelled and you keep trying to charge it",
        "Where is the 'payment methods' section? I can't find it in settings.",
        "Hi, I'd like to change from monthly card payments to SEPA direct debit.",
        "My subscription is about to lapse because of an expired card. Please send a link to update it.",
        "Can someone else (my husband) pay for my subscription with his card?",
        "The CVV field won't accept 4 digits for my Amex.",
        "Need to swap the card on my account before {date}, that's when the old one expires.",
        "Hello, I have received a new debit card. Please advise how to replace the previous one in my profile.",
        "delete my card from your system please, I'll add a new one later",
        "Switch my payment to the Mastercard ending {last4}.",
        "Why can't I remove my old card? The delete button is greyed out.",
        "new card, same account. the expiry date changed to 09/27, where do i enter it",
        "Can I pay my plan from a prepaid card or gift card balance instead?",
    ],
    "bug_report": [
        "This isn't a feature request, the export is actually broken.",
        "Not a login issue, I'm logged in fine, but the devices page throws {error}.",
        "I don't want a refund or anything, just letting you know the app crashes on {device} when I open History.",
        "The app crashes every time I open the camera view on my {device}.",
        "Found a bug: the export button does nothing in {browser}.",
        "Notifications stopped working after the latest update.",
        "Getting {error} when I try to save settings.",
        "The dashboard graphs show the wrong dates, everything is shifted by a day.",
        "app keeps freezing on {device}",
        "Since version {version} the sync is broken. Devices show offline even though they're online.",
        "When I switch the language to German, half the buttons are still in English and some text overlaps.",
        "Search doesn't return anything, even for items I can see in the list.",
        "The {feature_existing} toggle resets itself every time I restart the app.",
        "STEPS TO REPRODUCE: 1) open settings 2) tap 'Devices' 3) app closes. {device}, version {version}.",
        "hey the dark theme makes some text invisible (black on dark grey)",
        "The page goes blank after I click 'Save'. Console shows '{error}'.",
        "Push notifications arrive 20 minutes late.",
        "The calendar widget shows yesterday's date.",
        "the app drains my battery like crazy since the update, 40% in an hour",
        "Uploading a photo fails with {error} for files over 5 MB.",
        "The total on the checkout page doesn't update when I remove an item.",
        "Tapping the bell icon shows someone else's notifications?? That seems like a serious bug.",
        "CSV export has all the columns shifted by one.",
        "The motion alerts trigger constantly even when nothing is moving. Started on {date}.",
        "i think there is a bug, when i change the time zone the schedule stop working",
        "Your website doesn't load on {browser}, just a white screen.",
        "The app says my {product} is offline but it's working fine, lights on and everything.",
        "Video playback stutters on {device} but it's fine on my laptop.",
        "The 'remember me' checkbox doesn't remember anything, have to tick it every time.",
        "Tapping 'back' on Android exits the app instead of going to the previous screen.",
        "Scheduled scenes run at the wrong time after daylight saving changed.",
        "Bug: the cart shows 3 items but checkout only shows 2.",
        "Every time I rotate my {device} the app reloads and loses what I typed.",
        "Firmware update to {version} failed halfway and now the {product} blinks red.",
        "The numbers in the monthly report don't add up, the total is lower than the sum of the days.",
        "Hi, small issue: the app icon badge shows 1 unread notification but there are none.",
        "The integration with {integration} stopped responding. Commands time out with {error}.",
        "Hello, I believe there is an error in your app. When I press on 'History', it shows nothing, but I have many events.",
        "{feature_existing} doesn't work anymore since {date}, it just ignores the schedule.",
        "the live view is black on {browser}, audio works though",
        "App version {version} on {device}: adding a new {product} gets stuck at 90% every time.",
    ],
    "feature_request": [
        "Not a bug report, just an idea: let me pick which cameras record at night.",
        "Everything works fine, but I'd love the option to export recordings in bulk.",
        "Nothing is broken, I just wish the app had a {language} version.",
        "Please add dark mode to the web dashboard.",
        "It would be great if I could export my data to CSV.",
        "Any plans for an Apple Watch app?",
        "Could you add support for {integration}?",
        "Feature request: let me set different schedules for weekdays and weekends.",
        "would love a widget for the home screen",
        "Please allow more than one admin per account.",
        "Can you make it possible to share access with a family member without sharing my password?",
        "I'd pay extra for longer video history, like 90 days.",
        "Suggestion: show the battery level of each device on the main screen.",
        "Why is there no way to bulk edit devices? Please add that.",
        "it would be nice if the app supported {language}",
        "Please add an API so I can pull my data into my own dashboard.",
        "Could you add a 'vacation mode' that turns everything off with one tap?",
        "Idea: let us rename rooms and reorder them by dragging.",
        "Do you plan to offer a Linux desktop app?",
        "Would be great to have two-factor with an authenticator app instead of only SMS.",
        "PLEASE add a way to mute notifications at night",
        "I wish the invoices could be emailed automatically to our accounting address every month.",
        "Can you add PayPal as a payment option in the shop?",
        "Please bring back the old layout, or at least let us choose a compact view.",
        "A keyboard shortcut for search would save me so much time.",
        "are you going to add support for {integration} anytime soon",
        "It would help a lot if we could schedule reports to be sent weekly.",
        "Hi team, love the product. One thing missing: an 'undo' after deleting a scene.",
        "Please consider adding a student discount plan.",
        "Let me choose the video quality per camera to save bandwidth.",
        "would be cool if i could use the app in landscape on my tablet",
        "Suggestion for the shop: let customers save items to a wishlist.",
        "Can you add the option to pay in instalments?",
        "i would like option to pause subscription for few months, please add this",
        "Feature idea: a shared shopping list for the family account.",
        "The {product} should be able to work with {integration}, is that on the roadmap?",
        "Would it be possible to get alerts only for people, not cars? Our street is busy.",
    ],
    "account_deletion": [
        "Not just cancel the subscription - delete the whole account and my data.",
        "I don't want to pause or downgrade. I want my account deleted.",
        "Refund or not, I want my account and personal data removed.",
        "Please delete my account and all my data.",
        "How do I permanently delete my account?",
        "I want to close my account. Remove my personal information.",
        "Under GDPR I request erasure of all personal data you hold about me ({email}).",
        "delete my account",
        "Can you remove my account? I made it by mistake.",
        "I don't want any account with you anymore. Please erase everything including order history.",
        "What data do you keep after I delete my account?",
        "Please close the account associated with {email}. I have no active subscriptions.",
        "i want delete account and all information, how i do",
        "Remove me from your systems completely. Account, payment details, addresses, everything.",
        "Is there a way to delete my account from the app? I only see 'log out'.",
        "My late mother had an account with {email}. I'd like it closed and her data deleted.",
        "DELETE MY ACCOUNT. I've asked twice already.",
        "We're offboarding an employee, please delete their user account and recordings from our workspace.",
        "Hi, I'd like my account deleted. Also please confirm once it's done.",
        "Request for account deletion and data removal, ref. Art. 17 GDPR.",
        "I have two accounts, please delete the one with {email} and keep the other.",
        "I need you to wipe all the footage and my account. Moving out and selling the cameras.",
        "how long does it take to delete an account after i request it",
        "Close my account please, and stop sending me emails.",
        "Please deactivate and delete my profile, I no longer use your services.",
        "Can I delete my account but keep my order receipts somehow?",
        "I want to delete my kid's account, he's under 13 and shouldn't have made one.",
        "Permanently remove my account. Not pause, not cancel, delete.",
        "I'm done with Wrenly. Erase my profile and every recording you have of my house.",
        "right to be forgotten - please remove {fullname}, {email}, from all your records",
    ],
    "invoice_request": [
        "I'm not asking for a refund, I only need the invoice for the {amount} charge.",
        "The payment is fine, I just need a proper invoice for it.",
        "Don't change anything on the plan, just send me invoices for {year}.",
        "Can you send me an invoice for order {order}?",
        "I need a VAT invoice for my {plan} subscription.",
        "Where can I download my invoices?",
        "Please add our company name and VAT number to the invoice.",
        "I need receipts for the last 12 months for my expense report.",
        "invoice for {date} payment pls",
        "The invoice shows the wrong address, can you reissue it?",
        "Our accounting needs a proper invoice, not just the email receipt.",
        "Can I get an invoice in EUR instead of USD?",
        "Hi, could you resend the receipt for {amount} charged on {date}? I deleted the email.",
        "The invoices page in billing settings is empty even though I've paid for a year.",
        "i need factura/invoice for my company, with tax ID {taxid}",
        "Please send a copy of invoice {invoice} as PDF.",
        "Could you split the invoice for the {product}s between two cost centres?",
        "I need an itemized receipt for the {product} for warranty purposes.",
        "Can invoices be addressed to my employer instead of me?",
        "Need invoice. Order {order}. Company: {company_name}.",
        "Hello, the invoice number on my receipt is missing, our finance team can't process it without one.",
        "Can you email all my {year} invoices in one go?",
        "I was charged {amount} but I can't find the matching invoice anywhere.",
        "Please issue a credit note for the refunded amount, we need it for our books.",
        "where are receipts in the app",
        "Hi there, I need a pro forma invoice before our finance department can pay for {num} licences.",
        "The name on my invoice is misspelled, could you correct it?",
        "Could you please provide an invoice including the shipping costs for order {order}?",
        "I need a receipt showing the sales tax separately.",
        "Billing documents for {company_name}, tax number {taxid}: please send the last quarter.",
        "can u send me a receipt for my {plan} plan? need it for work",
        "Our auditor is asking for the original invoices for the {product}s we bought in {year}.",
    ],
}

# Messages that mention two intents; the label is the main request.
AMBIGUOUS: dict[str, list[str]] = {
    "billing_refund": [
        "The replacement {product} is fine now, but I paid {amount} for express shipping on the first one that never came. I want that back.",
        "I updated my card like you asked and now I've been charged twice. One of them needs to go back.",
        "Your invoice says {amount2} but you took {amount}. Please return the difference.",
        "I cancelled my {plan} subscription on {date} but was still charged {amount} today. I want that money back.",
        "The {product} arrived broken and I don't want a replacement, just refund me.",
        "I can't log in anymore so I can't even use what I'm paying for. Refund last month please.",
        "My package never arrived and tracking is useless. At this point just give me a refund for {order}.",
        "You charged my old card AND my new card for the same month. Please refund the duplicate.",
        "The app has been broken for two weeks ({error}), I want a refund for the time I couldn't use it.",
        "I downgraded to {plan2} but was still billed for {plan}. Refund the difference please.",
        "Please refund the {amount} renewal charge, I meant to cancel before it renewed.",
    ],
    "cancel_subscription": [
        "I can log in fine, that's not the issue. I want the {plan} plan to stop renewing.",
        "No refund needed and no need to delete anything, just stop the subscription from renewing on {date}.",
        "The new features are nice but I don't use them. Please end the subscription after this period.",
        "I was going to change my card but honestly just cancel instead.",
        "Cancel my subscription. I don't care about a refund for this month, just stop future charges.",
        "I want to cancel. The app keeps crashing and I'm tired of it.",
        "My card expired, don't bother asking me to update it - please just cancel the plan.",
        "Please cancel the subscription. I'll keep the account for now though, I might delete it later.",
        "Was going to upgrade but honestly I'd rather just cancel. Please cancel {plan}.",
        "Please cancel my membership and send me a final invoice for my records.",
    ],
    "change_plan": [
        "We're cancelling two of our cameras, so we need fewer slots. Can you move us to {plan2}?",
        "The invoice shows we're still on {plan}. We need {plan2} for the extra users, please change it.",
        "My wife wants to delete her account and share mine instead. Can I switch to the Family plan?",
        "Not a bug, I think I'm just on the wrong tier. I need the plan that includes {feature_existing}.",
        "Instead of cancelling, can I move down to the {plan2} plan?",
        "I want to switch to {plan2}; will I get a refund for the unused part of {plan}?",
        "Please upgrade me to {plan2} and use the new card I added for the charge.",
        "I'd like to switch to annual billing and get one invoice per year instead of twelve.",
        "Upgrade me to {plan2} - and if you ever add a Linux app I'll happily pay more.",
    ],
    "delivery_status": [
        "I reset my password so I could check the order page, and it still says 'preparing'. Has {order} shipped?",
        "Last order came damaged so I'm nervous - can you tell me when the new one, {order}, goes out?",
        "I already have the invoice for {order} but not the actual {product}. Where is it?",
        "If it's lost, don't refund, just tell me where it is. Order {order}.",
        "The replacement for my broken {product} - has it been shipped yet? Order {order}.",
        "It's been 3 weeks, where is my order? If it doesn't come by {date} I'll want a refund.",
        "Tracking says delivered but nothing here. I'll need an invoice for the insurance claim too, but first: where is it?",
        "One box of my order arrived (a bit dented, but that's fine), the second box hasn't. Where is it?",
    ],
    "damaged_item": [
        "Delivered a day late, fine, but the {product} screen is cracked. That's the real problem.",
        "The {product} arrived today and the app can't find it - turns out the antenna inside is snapped off.",
        "I don't need a refund, the {product} came with a broken hinge and I'd like it swapped.",
        "Got it on {date}. The invoice is right but the {product} in the box is scratched all over.",
        "My package was two weeks late and when it finally came, the {product} was smashed.",
        "The {product} arrived with a cracked screen. Do I get a refund or a replacement? Either is fine.",
        "The item arrived broken, I'd like a replacement sent to a different address.",
        "Tracking said delivered on {date}, found it in the rain, box soaked and the {product} doesn't turn on.",
    ],
    "login_problem": [
        "I have the right password, I checked it twice, but the login still bounces me back with {error}.",
        "I wanted to update my payment details but I can't even sign in: {error}.",
        "The 2FA code never arrives, so I can't get in to download my invoices.",
        "Resetting the password didn't help, the sign-in page still says {error}.",
        "I reset my password twice and I still can't get in, it says {error}.",
        "I can't log in to cancel my subscription! It keeps saying {error}.",
        "Can't sign in with the new password after the reset, and now the account is locked.",
        "I can't log in so I can't update my card. Help.",
        "Can't log in on the {device} app since the update, looks like a bug.",
    ],
    "password_reset": [
        "I can't remember the password I set when I ordered the {product}. How do I get a new one?",
        "I want to delete the old password and make a stronger one, where do I do that?",
        "The app works but I'd like to change my password since my ex knows it.",
        "I need to get in to cancel, but I forgot the password. Just need the reset link for now.",
        "I can't log in because I forgot my password, and the reset email isn't arriving.",
        "Locked out: forgot my password. Please send the reset link to {email}.",
        "Reset password link is broken (404) - is this a known bug?",
        "I want to change my password and also turn on 2FA if that's possible.",
    ],
    "update_payment_method": [
        "Don't cancel my plan because the payment bounced - I have a new card, how do I add it?",
        "I got your invoice email saying the charge failed. The card on file is old, please let me enter the new one.",
        "Before my renewal on {date}, I need to move the billing from my personal {card} to the company one.",
        "My login works but the billing page won't save my new card details. How else can I update it?",
        "My renewal failed because the card expired. I don't want to cancel, just let me add the new card.",
        "Please swap the card on file to the {card} ending {last4} before upgrading me to {plan2}.",
        "Update payment to PayPal. Also could you refund the failed-payment fee?",
        "The payment page gives {error} when I try to add my new card.",
    ],
    "bug_report": [
        "Not asking for a new feature - the existing {feature_existing} setting just stopped saving.",
        "I was trying to change my plan and the page threw {error}. Please look into it.",
        "The delivery tracking page in the app crashes when I tap on my order.",
        "Since the update the app logs me into my neighbour's cameras?! Serious bug.",
        "The export button doesn't work, and while you're at it, exporting to PDF would be nice too.",
        "After the update I keep getting logged out every few minutes. Definitely a bug since version {version}.",
        "The 'download invoice' button gives {error}. Bug?",
        "The cancel button in settings doesn't do anything, looks broken. (Not trying to cancel, just reporting it.)",
    ],
    "feature_request": [
        "Logging in works fine, but it would be nice to stay logged in on my {device} for longer than a day.",
        "Could you add a way to download all invoices as one zip? Doing it one by one is painful.",
        "Would be great if the shop showed delivery dates before checkout.",
        "No bug here, just a wish: let me {wish}.",
        "Please add a way to pause my subscription instead of cancelling it.",
        "You should support logging in with an authenticator app, SMS codes never arrive for me.",
        "It would be great if invoices were generated automatically with our VAT number.",
        "Add PayPal please, my card keeps getting declined.",
    ],
    "account_deletion": [
        "I already cancelled the plan last month. Now please remove the account itself and my recordings.",
        "Please don't just deactivate it. I want the account with {email} deleted, including addresses and payment details.",
        "I don't need the invoices anymore, delete everything, the account too.",
        "The refund came through, thanks. Now please delete my account.",
        "Cancel my subscription and delete my account and all my data.",
        "I can't log in anymore and honestly I don't care, just delete the account for {email}.",
        "Delete my account. Refund not needed, just get rid of my data.",
        "I forgot my password and I don't want to reset it, please just delete the account.",
    ],
    "invoice_request": [
        "The refund for {order} is fine, but our accounting needs a credit note for it.",
        "I changed my plan to {plan2} mid-month, could I get an invoice that shows the prorated amount?",
        "My card was charged {amount} for {order}; please send the matching invoice, with our VAT number {taxid}.",
        "Please don't cancel or change anything, I only need copies of the invoices for {year}.",
        "I need an invoice for the refund you issued on {date}.",
        "Before I cancel, I need all invoices from this year for my taxes.",
        "I upgraded to {plan2} last week, please send the invoice for the prorated charge.",
        "Can I get an invoice for order {order}? Also the box was a bit dented but the {product} is fine.",
    ],
}

# Short asks, combined with a situation sentence from a pool that several intents share
# ("I was charged {amount} on {date}." + "Can I get that money back?"). They keep the
# vocabulary of neighbouring intents close together.
ASKS: dict[str, list[str]] = {
    "billing_refund": [
        "Can you put it back on my card?", "That charge was a mistake, I want it back.", "Can I return it and get paid back?",
        "Can I get that money back?", "I'd like a refund.", "Please reverse it.",
        "I want it refunded.", "Please credit it back to my card.", "How do I get reimbursed?",
        "Can you return the money?", "I shouldn't have paid that, please give it back.",
        "Send it back to my account please.", "I want a refund for it, not store credit.",
        "can i have my money back", "Please pay me back.", "I want the charge reversed.",
        "How long will the refund take?", "I'd like to return it for a refund.",
    ],
    "cancel_subscription": [
        "I'm done after this month.", "I don't need it anymore, please end it.", "Make sure it doesn't charge me again next month, I'm leaving.",
        "Please cancel it.", "I want to stop it.", "Don't renew it.", "Make it stop renewing.",
        "I want out of the subscription.", "How do I end it?", "Please terminate the plan.",
        "I don't want to be billed again, close the subscription.", "end it please",
        "No more renewals please.", "I'd like to unsubscribe.",
        "Stop the membership at the end of the month.", "How do I cancel?",
    ],
    "change_plan": [
        "It's more than I need, is there something smaller?", "We need more cameras covered than we have now.", "Can I pay once a year instead of monthly?",
        "Can I move to {plan2}?", "I'd like to switch to {plan2}.", "Please downgrade me.",
        "Can I go up a tier?", "I want the cheaper option.", "Which plan should I move to?",
        "Can I switch to yearly?", "Put me on {plan2} from next month.", "upgrade please",
        "Can I change tiers?", "I need a bigger plan.", "Can I switch to monthly instead?",
    ],
    "delivery_status": [
        "It was supposed to be here by now.", "Still waiting for it.", "The courier site shows nothing.",
        "Where is it?", "When will it arrive?", "Has it shipped?", "Can you check where it is?",
        "Any tracking update?", "It still hasn't come.", "Is it lost?", "What's the ETA?",
        "when will i get it", "Can you give me the tracking number?", "It's late, please check.",
        "Nothing has arrived yet.",
    ],
    "damaged_item": [
        "Opened it today and it's in pieces.", "It doesn't work at all, straight from the box.", "One corner is bent in and it rattles.",
        "It arrived broken.", "It came damaged.", "The box was crushed and it's cracked.",
        "It doesn't turn on, straight out of the box.", "Parts are missing.",
        "Can you send a replacement? It's defective.", "It arrived with a cracked case.",
        "it came smashed", "The wrong model was in the box.",
        "It was scratched and dented when I opened it.",
    ],
    "login_problem": [
        "I can't get past the sign-in screen.", "Keeps saying my session expired.",
        "Now I can't sign in.", "I can't get into the account, it says {error}.",
        "The login doesn't work.", "It won't let me log in.",
        "I'm locked out and the 2FA code never comes.",
        "Signing in just loops back to the start.", "I can't access my account anymore.",
        "cant log in", "The app won't accept my login.",
    ],
    "password_reset": [
        "What was my password again? No idea. How do I set a new one?", "The email with the link never came.",
        "I forgot my password.", "How do I reset the password?", "The reset email doesn't come.",
        "I need a new password.", "The reset link doesn't work.",
        "Can you send me a password reset?", "I don't remember the password.", "forgot password",
        "How do I change my password?",
    ],
    "update_payment_method": [
        "The bank sent me a new card, what do I do here?", "My card number changed.", "I want it charged to my business card from now on.",
        "How do I update the card?", "I need to change my payment method.",
        "Can I add my new card?", "I want to pay with PayPal from now on.",
        "Please replace the card on file.", "My card expired, where do I put the new one?",
        "change card please", "Can I switch to bank transfer for future payments?",
        "I'd like to use a different card going forward.",
    ],
    "bug_report": [
        "The app keeps crashing.", "It shows {error} and nothing works.",
        "Something is broken in the app.", "The page freezes.", "This looks like a bug.",
        "It stopped working after the update.", "The screen goes blank.",
        "buggy since the update", "Nothing loads, just a spinner.",
    ],
    "feature_request": [
        "It would be great to be able to {wish}.", "Could you let us {wish}?",
        "Please make it possible to {wish}.", "Any plans to let users {wish}?",
        "I'd love an option to {wish}.", "Is there a roadmap item to {wish}?",
        "please add a way to {wish}", "Would be nice to {wish}.",
    ],
    "account_deletion": [
        "I don't want you keeping anything about me.", "Please make sure nothing of mine stays on your servers.",
        "Please delete my account.", "Remove all my data.", "Close and erase the account.",
        "I want my profile gone.", "Delete everything you have on me.", "delete account pls",
        "How do I delete the account permanently?", "I want the account and the data erased.",
    ],
    "invoice_request": [
        "My accountant needs the paperwork for it.", "I need a document for my tax return.", "Can I get that on a company letterhead document?",
        "Can you send me the invoice?", "I need a receipt for that.", "Please send a VAT invoice.",
        "Where can I download the invoice?", "I need the invoice for my taxes.",
        "Please email me a receipt.", "invoice please",
        "Could you reissue the invoice with my company name?",
    ],
}
SITUATIONS = {
    "billing": [
        "I was charged {amount} on {date}.", "My {plan} plan renewed {date} for {amount}.",
        "I see a payment of {amount} from Wrenly on my {card} statement.",
        "I've been on the {plan} plan for {num} months.",
        "I paid {amount} for the yearly {plan} subscription.",
        "My subscription is billed to my {card}.", "The {plan} plan costs me {amount} a month.",
        "About my subscription:", "Question about billing.",
    ],
    "order": [
        "I ordered a {product} on {date}.", "Order {order}: {product}.",
        "I bought the {product} for {amount}.", "Order {order} was a gift for my mum.",
        "I got a shipping confirmation for order {order} on {date}.",
        "We ordered two {product}s last week.", "This is about my order {order}.",
        "I bought a {product} from your shop.",
    ],
    "account": [
        "I've had a Wrenly account since {year}.", "My account is under {email}.",
        "I got a new {device} last week.", "I share the account with my partner.",
        "We use the account for our office.", "About my account ({email}):",
    ],
    "app": [
        "I use the app every day to check the cameras.", "I updated the app to {version} {date}.",
        "I'm using the web dashboard on {browser}.", "I have {num} devices connected in the app.",
        "I'm on the {device} app.",
    ],
}
SITUATION_POOLS = {
    "billing_refund": ["billing", "order"],
    "cancel_subscription": ["billing", "account"],
    "change_plan": ["billing", "account"],
    "update_payment_method": ["billing", "account"],
    "invoice_request": ["billing", "order"],
    "delivery_status": ["order"],
    "damaged_item": ["order"],
    "login_problem": ["account", "app"],
    "password_reset": ["account", "app"],
    "account_deletion": ["account", "billing"],
    "bug_report": ["app"],
    "feature_request": ["app"],
}
WISHES = [
    "export recordings in bulk", "set different schedules per room", "share a camera with a neighbour",
    "see all cameras on one screen", "turn off the status light", "get a weekly summary email",
    "use the app in {language}", "connect the hub to {integration}", "pick a custom alarm sound",
    "sort devices by room", "download a month of footage at once", "add a second admin",
    "pause notifications for an hour", "pay for the plan yearly in the app",
]

# "I don't want to A, I want to B": what the customer wants (B) and what they rule out (A)
# come from two neighbouring intents, so only the word order tells them apart.
ACTIONS = {
    "billing_refund": ["get a refund", "get my money back", "have the charge refunded"],
    "cancel_subscription": ["cancel my subscription", "stop my membership", "end my plan"],
    "change_plan": ["change my plan", "downgrade my plan", "switch to a different plan"],
    "account_deletion": ["delete my account", "have my account and data deleted"],
    "damaged_item": ["get a replacement for the broken {product}",
                     "have the damaged {product} replaced"],
    "update_payment_method": ["change my card", "update my payment method"],
    "invoice_request": ["get an invoice", "get a receipt for the charge"],
    "bug_report": ["report a bug", "report that something is broken"],
    "feature_request": ["suggest a new feature", "request a feature"],
    "password_reset": ["reset my password", "set a new password"],
    "login_problem": ["get into my account", "sign in again"],
    "delivery_status": ["find out where my order is", "track my package"],
}
NEIGHBOURS = {
    "billing_refund": ["cancel_subscription", "damaged_item", "invoice_request", "update_payment_method"],
    "cancel_subscription": ["billing_refund", "change_plan", "account_deletion", "update_payment_method"],
    "change_plan": ["cancel_subscription", "update_payment_method", "billing_refund"],
    "account_deletion": ["cancel_subscription", "change_plan"],
    "damaged_item": ["billing_refund"],
    "update_payment_method": ["cancel_subscription", "billing_refund", "change_plan"],
    "invoice_request": ["billing_refund", "update_payment_method"],
    "bug_report": ["feature_request"],
    "feature_request": ["bug_report"],
    "password_reset": ["login_problem"],
    "login_problem": ["password_reset"],
    "delivery_status": ["billing_refund"],
}
CONTRAST_PATTERNS = [
    "I don't want to {a}, I want to {b}.",
    "Not trying to {a}. I just want to {b}.",
    "To be clear: I want to {b}, not to {a}.",
    "I'm not looking to {a}, I'd like to {b}.",
    "I'd like to {b} - I do NOT want to {a}.",
    "My question is how to {b}. I don't need to {a}.",
    "Before you suggest it: I don't want to {a}. I want to {b}, that's all.",
    "i dont need to {a}!! i need to {b}",
    "Your bot keeps telling me to {a}. I don't want that, I want to {b}.",
    "Rather than {a_ing}, I'd prefer {b_ing}.",
    "Instead of {a_ing}, can you help me {b}?",
    "I was going to {a}, but actually I'd rather {b}.",
    "Not {a_ing}. {B_ing}.",
    "I only want to {b}, please. No need to {a}.",
]

# --------------------------------------------------------------------------------------------
# Wrappers and noise
# --------------------------------------------------------------------------------------------

GREETINGS = [
    "Hi,", "Hello,", "Hey there,", "Good morning,", "Dear support,", "Hi team,", "hello?",
    "To whom it may concern,", "Hi Wrenly,", "Hey,", "hi", "Good evening.", "Dear Sir/Madam,",
    "Hello support team,", "Hi there!", "Morning,", "Hiya,",
]
SIGNOFFS = [
    "Thanks", "Thank you!", "Regards, {name}", "Cheers", "thx", "Best, {fullname}",
    "Sent from my iPhone", "Thanks in advance.", "Kind regards,\n{fullname}", "ty",
    "Many thanks, {name}", "Appreciate it.", "- {name}", "Thanks for your help.",
    "Best regards", "Waiting for your answer.", "Sent from my Galaxy",
]
CONTEXT = [
    "I've been a customer since {year}.",
    "This is the second time I'm writing about this.",
    "I already tried the help center articles.",
    "I'm writing from my phone, sorry for typos.",
    "Sorry for my English.",
    "My order number is {order} in case you need it.",
    "I tried calling but the line was busy.",
    "I have the {plan} plan.",
    "Please reply by email, not phone.",
    "I'm on the {device}.",
    "I love your products otherwise.",
    "Your chat bot was no help at all.",
    "My account email is {email}.",
    "It's really frustrating.",
    "Not urgent, but I would appreciate an answer.",
    "This is urgent.",
    "I have a busy week so a quick reply would be great.",
    "My name is {fullname}.",
    "Ticket number {ticket} if that helps.",
    "We have {num} of your devices at home.",
    "My wife set up the account originally.",
    "I'm not very good with technology.",
    "I bought the {product} for my parents.",
    "Your colleague on the chat said to email you.",
    "I'm using the app on my {device}.",
    "We just moved house, by the way.",
    "I work nights so email is best.",
    "English is not my first language.",
    "I've attached a screenshot.",
    "Sorry if this is the wrong department.",
]
# Background sentences about an earlier, settled matter: they mention another intent's words.
HISTORY = [
    "I already updated my card last month, so it's not that.",
    "I got a refund from you once before and it was quick.",
    "I had to reset my password last week too.",
    "Last time my package arrived late as well, but it did come.",
    "I upgraded to {plan} in {year}.",
    "I had a problem with an invoice before but that got sorted.",
    "The {product} I ordered before arrived fine.",
    "I almost cancelled last year but stayed.",
    "My login works fine on the website.",
    "The app itself works fine for me.",
    "I already got the receipt by email.",
    "I'm not asking for money back.",
    "I'm happy with my plan.",
    "Your delivery was really fast last time.",
    "I changed my password recently.",
    "I don't want to delete my account or anything.",
    "Billing has always been fine.",
    "I reported a bug last month and you fixed it quickly, thanks for that.",
    "The refund for my last order came through fine.",
    "I reset my password yesterday and that part worked.",
    "I cancelled my other subscription last year.",
    "My card details are up to date.",
    "The package itself arrived on time.",
    "Nothing arrived damaged.",
    "I can log in without problems.",
    "I don't need an invoice.",
    "I switched plans in {year} and that went smoothly.",
    "I know where to find my receipts.",
]
RAMBLE = [
    "So let me start from the beginning.",
    "A few weeks ago I bought a {product} from your shop for our new flat.",
    "At first everything was fine and I was honestly really happy with it.",
    "My brother-in-law recommended you, he has had the {product} for years.",
    "Then I went on a trip for a few days and didn't look at the app at all.",
    "When I came back I noticed something was off.",
    "I spent the whole evening trying to figure it out with my partner.",
    "We read the FAQ, watched two videos on YouTube and even restarted the router.",
    "I also asked in the community forum but nobody answered.",
    "I don't want to sound rude, I know you're busy, but this has taken way too much of my time.",
    "The kids keep asking me when it'll be working again.",
    "I also want to mention that your chat bot just sent me in circles.",
    "For context, I'm using a {device} and the newest version of the app.",
    "I have screenshots if you need them.",
    "Anyway, that's the background.",
    "I hope someone can actually read this whole message.",
    "Last time I contacted you it took {days} days to get a reply.",
    "I'm normally very patient but I'm running out of patience here.",
]

MISSPELLINGS = {
    "receive": "recieve", "received": "recieved", "definitely": "definately",
    "account": "acount", "password": "pasword", "subscription": "subscribtion",
    "refund": "refound", "cancel": "cancle", "cancelled": "canceled",
    "delivery": "delivary", "invoice": "invoise", "invoices": "invoises",
    "payment": "payement", "address": "adress", "package": "pakage",
    "separately": "seperately", "tomorrow": "tommorow", "until": "untill",
    "arrived": "arived", "replacement": "replacment", "because": "becuase",
    "please": "plz", "thanks": "thx", "you": "u", "your": "ur", "login": "loggin",
    "damaged": "damadged", "business": "buisness", "really": "realy",
    "order": "oder", "which": "wich", "problem": "problme", "immediately": "immediatly",
}
KEYBOARD_NEIGHBOURS = {
    "a": "sq", "s": "adw", "d": "sfe", "e": "wrd", "r": "etf", "t": "ryg", "i": "uok",
    "o": "ipl", "n": "bm", "m": "n", "l": "kp", "c": "xv", "u": "yi", "p": "o", "g": "fh",
}


def _gerund(phrase: str) -> str:
    """'get a refund' -> 'getting a refund'."""
    verb, _, rest = phrase.partition(" ")
    doubled = {"get": "getting", "stop": "stopping", "set": "setting", "reset": "resetting",
               "cancel": "cancelling"}
    if verb in doubled:
        ing = doubled[verb]
    elif verb.endswith("e") and not verb.endswith("ee"):
        ing = verb[:-1] + "ing"  # change -> changing
    else:
        ing = verb + "ing"
    return f"{ing} {rest}".strip()


def _fill(template: str, rng: random.Random, cache: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in cache:
            return cache[name]
        if name in PAIRED:
            base = PAIRED[name]
            first = cache.get(base)
            if first is None:
                first = cache[base] = SLOTS[base](rng)
            value = SLOTS[base](rng)
            while value == first:
                value = SLOTS[base](rng)
        else:
            value = SLOTS[name](rng)
        cache[name] = value
        return value

    text = template
    for _ in range(3):  # slot values may hold slots themselves ({wish})
        text = re.sub(r"\{(\w+)\}", sub, text)
    # "arrive on yesterday" -> "arrive yesterday"
    return re.sub(r"\bon (yesterday|the day before|this morning|last )", r"\1", text)


def _typo(word: str, rng: random.Random) -> str:
    core = word.strip(".,!?;:'\"()")
    if len(core) < 4 or not core.isalpha():
        return word
    i = word.index(core)
    kind = rng.randrange(4)
    j = rng.randrange(1, len(core) - 1)
    if kind == 0:  # swap two neighbours
        new = core[:j] + core[j + 1] + core[j] + core[j + 2:]
    elif kind == 1:  # drop a letter
        new = core[:j] + core[j + 1:]
    elif kind == 2:  # double a letter
        new = core[:j] + core[j] + core[j:]
    else:  # hit a neighbouring key
        c = core[j].lower()
        new = core[:j] + rng.choice(KEYBOARD_NEIGHBOURS.get(c, c)) + core[j + 1:]
    return word[:i] + new + word[i + len(core):]


def _noisy(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if rng.random() < 0.22:  # misspell common words
        words = [
            MISSPELLINGS[w.lower()] if w.lower() in MISSPELLINGS and rng.random() < 0.6 else w
            for w in words
        ]
    if rng.random() < 0.18:  # random typos
        words = [_typo(w, rng) if rng.random() < 0.08 else w for w in words]
    text = " ".join(words)
    r = rng.random()
    if r < 0.16:
        text = text.lower()
    elif r < 0.19:
        # shout the first sentence
        parts = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)
        parts[0] = parts[0].upper()
        text = " ".join(parts)
    if rng.random() < 0.10:
        text = re.sub(r"[.,;:'](?=\s|$)", "", text).replace("'", "")
    if rng.random() < 0.05:
        text = text.rstrip(".") + rng.choice(["!!", "!!!", "??", "?!", " :(", " :)", "..."])
    if rng.random() < 0.03:
        text = text.replace(" ", "  ", 1) + " "
    return text


def _message(body: str, rng: random.Random, cache: dict[str, str], *, wrap: bool = True) -> str:
    parts: list[str] = []
    if wrap and rng.random() < 0.35:
        parts.append(_fill(rng.choice(GREETINGS), rng, cache))
    if wrap and rng.random() < 0.10:
        parts.append(_fill(rng.choice(CONTEXT), rng, cache))
    if wrap and rng.random() < 0.09:
        parts.append(_fill(rng.choice(HISTORY), rng, cache))
    parts.append(body)
    if wrap and rng.random() < 0.09:
        parts.append(_fill(rng.choice(HISTORY), rng, cache))
    if wrap and rng.random() < 0.14:
        parts.append(_fill(rng.choice(CONTEXT), rng, cache))
    if wrap and rng.random() < 0.25:
        parts.append(_fill(rng.choice(SIGNOFFS), rng, cache))
    sep = "\n" if rng.random() < 0.3 else " "
    return _noisy(sep.join(parts), rng)


def _long_message(label: str, rng: random.Random) -> str:
    cache: dict[str, str] = {}
    ramble = rng.sample(RAMBLE, k=rng.randrange(12, len(RAMBLE) + 1))
    context = rng.sample(CONTEXT, k=8)
    body = _fill(rng.choice(TEMPLATES[label]), rng, cache)
    sentences = [_fill(s, rng, cache) for s in ramble[:5] + context[:3]]
    sentences.append(body)
    sentences += [_fill(s, rng, cache) for s in ramble[5:] + context[3:]]
    sentences.append(body)  # people repeat the actual ask at the end
    text = _fill(rng.choice(GREETINGS), rng, cache) + "\n\n"
    for i in range(0, len(sentences), 4):
        text += " ".join(sentences[i:i + 4]) + "\n\n"
    return text + _fill(rng.choice(SIGNOFFS), rng, cache)


EMPTYISH = [
    ("", "bug_report"),
    ("   ", "delivery_status"),
    ("hello?", "login_problem"),
    ("...", "billing_refund"),
    ("help", "password_reset"),
    ("HELP!!!", "cancel_subscription"),
    ("see subject", "invoice_request"),
    ("Sent from my iPhone", "damaged_item"),
]


def _near_duplicate(text: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return text.lower() if text != text.lower() else text.upper()
    if kind == 1:
        return text.rstrip(".!? ") + rng.choice(["", "!", "??", "."])
    if kind == 2:
        return rng.choice(["Hi, ", "Hello again. ", "Following up: ", "Re: "]) + text
    return text + rng.choice([" Thanks.", " Any update?", " Please reply.", "\n\nThanks"])


def generate(seed: int = SEED, *, with_kind: bool = False) -> list[dict[str, str]]:
    """All rows, shuffled. ``with_kind`` adds how each row was made (not written to the file)."""
    rng = random.Random(seed)
    total_weight = sum(WEIGHTS.values())
    counts = {label: round(TOTAL * w / total_weight) for label, w in WEIGHTS.items()}

    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for label, n in counts.items():
        templates = list(TEMPLATES[label])
        rng.shuffle(templates)
        made = 0
        cursor = 0
        while made < n:
            r = rng.random()
            if r < AMBIGUOUS_SHARE:
                kind = "ambiguous"
                template = rng.choice(AMBIGUOUS[label])
            elif r < AMBIGUOUS_SHARE + CONTRAST_SHARE:
                kind = "contrast"
                pattern = rng.choice(CONTRAST_PATTERNS)
                other = rng.choice(NEIGHBOURS[label])
                a, b = rng.choice(ACTIONS[other]), rng.choice(ACTIONS[label])
                template = pattern.format(a=a, b=b, a_ing=_gerund(a), b_ing=_gerund(b),
                                          B_ing=_gerund(b)[:1].upper() + _gerund(b)[1:])
                if rng.random() < 0.4:
                    situation = rng.choice(SITUATIONS[rng.choice(SITUATION_POOLS[label])])
                    template = f"{situation} {template}"
            elif r < AMBIGUOUS_SHARE + CONTRAST_SHARE + COMPOSED_SHARE:
                kind = "composed"
                situation = rng.choice(SITUATIONS[rng.choice(SITUATION_POOLS[label])])
                ask = rng.choice(ASKS[label])
                if situation.endswith(":") or rng.random() < 0.8:
                    template = f"{situation} {ask}"
                else:
                    template = f"{ask} {situation}"
            else:
                kind = "phrasing"
                template = templates[cursor % len(templates)]
                cursor += 1
            for _attempt in range(20):
                cache: dict[str, str] = {}
                text = _message(_fill(template, rng, cache), rng, cache)
                if text not in seen:
                    break
            else:
                continue  # this phrasing is exhausted; move on to the next one
            seen.add(text)
            rows.append((text, label, kind))
            made += 1

    # A real inbox has people sending the same message twice, or almost the same.
    originals = rng.sample(rows, EXACT_DUPLICATES + NEAR_DUPLICATES)
    rows += [(t, lab, "duplicate") for t, lab, _ in originals[:EXACT_DUPLICATES]]
    rows += [(_near_duplicate(t, rng), lab, "near_duplicate")
             for t, lab, _ in originals[EXACT_DUPLICATES:]]
    labels = list(WEIGHTS)
    for _ in range(LONG_MESSAGES):
        label = rng.choice(labels)
        rows.append((_long_message(label, rng), label, "long"))
    rows += [(t, lab, "empty") for t, lab in EMPTYISH]

    rng.shuffle(rows)
    out = []
    for i, (text, label, kind) in enumerate(rows, 1):
        row = {"id": f"st-{i:05d}", "text": text, "label": label}
        if with_kind:
            row["kind"] = kind
        out.append(row)
    return out


def render(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="do not write; fail if the file on disk differs from the output")
    parser.add_argument("--stats", action="store_true",
                        help="do not write; print rows per label and per kind of message")
    args = parser.parse_args(argv)
    if args.stats:
        rows = generate(with_kind=True)
        for field in ("label", "kind"):
            counts: dict[str, int] = {}
            for row in rows:
                counts[row[field]] = counts.get(row[field], 0) + 1
            print(f"{field}:")
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {key:24s} {n:5d}")
        print(f"total: {len(rows)}")
        return 0
    text = render(generate())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} rows to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
