"""Writes N customer records of about 1 KB each as DIR/customers/C-00000 ... (JSON, flat objects)."""
import json, os, random, sys

directory, count = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(directory, "customers"), exist_ok=True)
rng = random.Random(7)
streets = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road"]
cities = ["Leeds", "Bristol", "York", "Bath", "Derby", "Exeter", "Norwich"]
for i in range(count):
    cid = f"C-{i:05d}"
    record = {
        "customerId": cid,
        "firstName": rng.choice(["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret"]),
        "lastName": rng.choice(["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton"]),
        "email": f"customer{i}@example.com",
        "phone": f"+44 20 7946 {i % 10000:04d}",
        "dateOfBirth": f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "address_line1": f"{rng.randint(1, 200)} {rng.choice(streets)}",
        "address_city": rng.choice(cities),
        "address_postcode": f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}AB",
        "ssn": f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        "cardNumber": "4111" + "".join(str(rng.randint(0, 9)) for _ in range(12)),
        "accountStatus": rng.choice(["active", "dormant", "closed"]),
        "segment": rng.choice(["retail", "premier", "business"]),
        "vip": rng.random() < 0.02,
        "balance": round(rng.uniform(-500, 50000), 2),
        "creditLimit": rng.choice([500, 1000, 2500, 5000, 10000]),
        "openedAt": f"20{rng.randint(0, 24):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:00:00Z",
        "lastContactAt": "2026-11-20T14:32:00Z",
        "preferredChannel": rng.choice(["phone", "email", "chat"]),
        "language": rng.choice(["en-GB", "fr-FR", "de-DE"]),
        "marketingOptIn": rng.random() < 0.5,
        "riskScore": rng.randint(0, 999),
    }
    text = json.dumps(record, separators=(",", ":"))
    # Pad to about 1 KB with a notes field, so every record is the same size.
    record["notes"] = "n" * max(0, 1024 - len(text) - 12)
    with open(os.path.join(directory, "customers", cid), "w") as f:
        json.dump(record, f, separators=(",", ":"))
