"""Write recipes/data/support_replies.jsonl: customer-support messages with the reply an agent sends.

The messages are the first rows of each intent in recipes/data/support_tickets.jsonl (messages
shorter than 20 characters left out); the reply is the support team's answer for that intent.
Standard library only and deterministic: ``--check`` verifies that the file matches what this
script writes. Used by recipes/support-reply.ftr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "recipes" / "data"
PER_INTENT = 20
REPLIES = {
    "delivery_status": "Thanks for reaching out. I checked your order: the parcel is with the carrier and the tracking "
                       "link in your shipping e-mail shows where it is. If it has not arrived within two working days, "
                       "reply here and we will send a replacement.",
    "billing_refund": "Thanks for letting us know. I have started a refund to your original payment method; it shows "
                      "on your statement within five to seven working days.",
    "login_problem": "Sorry you cannot sign in. Please sign out on every device, update the Wrenly app and sign in "
                     "again; if two-factor codes do not arrive, use a backup code or reply here and we will reset "
                     "two-factor for you.",
    "bug_report": "Thank you for the report. I have passed the details to our engineers; please tell us your app "
                  "version and device model so we can reproduce it.",
    "cancel_subscription": "I am sorry to see you go. Your subscription is cancelled and will not renew; you keep "
                           "access until the end of the current billing period.",
    "password_reset": "I have sent a new password reset link to the e-mail address on your account. The link works "
                      "for one hour; check your spam folder if you do not see it.",
    "damaged_item": "I am sorry the item arrived damaged. Please send a photo of it and the box, and we will ship a "
                    "replacement at no cost.",
    "change_plan": "Your plan change is done. The new price applies from your next billing date, and you can switch "
                   "again at any time under Settings > Subscription.",
    "update_payment_method": "You can add or change a card under Settings > Billing > Payment methods. The new card "
                             "is used from your next payment.",
    "invoice_request": "I have sent the invoice to the e-mail address on your account. You can also download every "
                       "invoice under Settings > Billing > Invoices.",
    "feature_request": "Thank you for the suggestion. I have added it to our feature requests, and our product team "
                       "reads every one of them.",
    "account_deletion": "Your account is scheduled for deletion. We erase your personal data within 30 days and send "
                        "a confirmation e-mail when it is done.",
}


def rows() -> list[dict]:
    """The rows of support_replies.jsonl, in the order of the tickets file."""
    taken: dict[str, int] = {}
    out = []
    for line in (DATA / "support_tickets.jsonl").read_text(encoding="utf-8").splitlines():
        ticket = json.loads(line)
        label, text = ticket["label"], ticket["text"].strip()
        if len(text) < 20 or taken.get(label, 0) >= PER_INTENT:
            continue
        taken[label] = taken.get(label, 0) + 1
        out.append({"id": ticket["id"].replace("st-", "sr-"), "label": label, "message": text,
                    "reply": REPLIES[label]})
    return out


def main(argv=None) -> int:
    """Write the file, or with --check compare it with what would be written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from what would be written")
    args = parser.parse_args(argv)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows())
    target = DATA / "support_replies.jsonl"
    if args.check:
        same = target.is_file() and target.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{target} differs from what this script writes")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} rows to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
