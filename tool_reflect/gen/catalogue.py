"""The project-authored catalogue: 30 tool domains and their clean trajectories.

Every domain has five tools forming one workflow, with both kinds of dependency the
perturbations need:

1. ``search_<things>(query, category, limit)`` finds a thing and produces its id;
2. ``get_<thing>_details(<thing>_id)`` consumes that id (value dependency);
3. ``<act>_<thing>(<thing>_id, quantity, date)`` consumes it too and produces an order id;
4. ``<notify>(email, note)`` needs step 3 to have run (state precondition) but none of
   its values: the user gives them;
5. ``confirm_<order>(<order>_id, payment_method)`` consumes the order id.

Each domain has 60 trajectories (different requests, values and produced ids), all
deterministic (ids come from sha256, never from ``hash()``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from tool_reflect.records import ToolCall

# domain, description, thing, things, act, order, notify tool, categories, queries
_DOMAINS: list[tuple[str, str, str, str, str, str, str, list[str], list[str]]] = [
    ("files", "Cloud file storage", "file", "files", "share", "share", "email_share_link",
     ["document", "spreadsheet", "image", "archive"],
     ["Q3 budget", "team photo", "lease agreement", "thesis draft", "invoice March",
      "design mockups", "tax return", "meeting notes", "product roadmap", "holiday video"]),
    ("calendar", "Calendars and meetings", "room", "rooms", "reserve", "booking",
     "send_meeting_invite", ["small", "medium", "large", "boardroom"],
     ["sprint planning", "design review", "board meeting", "1:1 with Ana", "client demo",
      "all-hands", "interview loop", "retrospective", "budget sync", "offsite prep"]),
    ("email", "Mailboxes and newsletters", "template", "templates", "schedule", "campaign",
     "notify_list_owner", ["newsletter", "promotion", "announcement", "survey"],
     ["spring sale", "product launch", "welcome series", "webinar reminder", "NPS survey",
      "holiday hours", "price update", "beta invite", "event recap", "security notice"]),
    ("shopping", "Online shopping", "product", "products", "add_to_cart", "cart",
     "notify_shopper", ["electronics", "home", "garden", "sports"],
     ["noise cancelling headphones", "espresso machine", "garden hose", "yoga mat",
      "standing desk", "air purifier", "running shoes", "cast iron pan", "robot vacuum",
      "camping tent"]),
    ("flights", "Air travel", "flight", "flights", "hold", "reservation", "send_itinerary",
     ["economy", "premium", "business", "first"],
     ["Lisbon to Berlin", "NYC to London", "Tokyo to Seoul", "Paris to Rome",
      "Madrid to Dublin", "Oslo to Vienna", "Delhi to Dubai", "Sydney to Auckland",
      "Toronto to Chicago", "Cairo to Athens"]),
    ("hotels", "Hotel stays", "hotel", "hotels", "book", "stay", "send_booking_summary",
     ["budget", "boutique", "business", "resort"],
     ["Porto riverside", "Kyoto old town", "Barcelona beach", "Prague center",
      "Vancouver harbour", "Marrakesh medina", "Edinburgh castle", "Lima Miraflores",
      "Bali Ubud", "Reykjavik downtown"]),
    ("banking", "Retail banking", "payee", "payees", "schedule_transfer_to", "transfer",
     "notify_account_holder", ["utility", "rent", "family", "savings"],
     ["electricity company", "landlord Smith", "water utility", "sister Maria",
      "internet provider", "gym membership", "car loan", "student loan", "daycare",
      "savings pot"]),
    ("smart_home", "Smart home devices", "device", "devices", "schedule", "routine",
     "push_home_alert", ["lighting", "climate", "security", "appliance"],
     ["living room lamp", "bedroom thermostat", "front door lock", "garage camera",
      "kitchen dishwasher", "porch light", "nursery heater", "patio speaker",
      "basement dehumidifier", "office fan"]),
    ("git_hosting", "Code hosting", "repository", "repositories", "fork", "fork_job",
     "notify_maintainers", ["library", "service", "tooling", "docs"],
     ["payments-api", "ml-pipeline", "design-system", "infra-terraform", "mobile-app",
      "data-catalog", "auth-service", "docs-site", "cli-tools", "search-indexer"]),
    ("agriculture", "Farm and garden planning", "seed_variety", "seed_varieties", "order",
     "seed_order", "notify_grower", ["vegetable", "herb", "flower", "grain"],
     ["heirloom tomato", "sweet basil", "lavender", "winter wheat", "rainbow chard",
      "sunflower", "snap pea", "cilantro", "butternut squash", "kale"]),
    ("recipes", "Recipes and meal kits", "recipe", "recipes", "order_kit_for", "meal_kit",
     "send_shopping_list", ["vegan", "vegetarian", "gluten-free", "high-protein"],
     ["lentil curry", "mushroom risotto", "chicken fajitas", "caprese salad",
      "tofu stir fry", "beef chili", "salmon bowl", "pumpkin soup", "falafel wrap",
      "shakshuka"]),
    ("fitness", "Fitness classes", "class", "classes", "enroll_in", "enrollment",
     "notify_coach", ["yoga", "cycling", "strength", "swimming"],
     ["sunrise flow", "hill climb", "kettlebell basics", "masters swim", "power yoga",
      "spin intervals", "core blast", "open water prep", "mobility", "rowing endurance"]),
    ("music", "Music streaming", "album", "albums", "purchase", "purchase",
     "share_with_friend", ["jazz", "rock", "classical", "electronic"],
     ["Kind of Blue", "Abbey Road", "Goldberg Variations", "Discovery", "Blue Train",
      "Rumours", "Four Seasons", "Homework", "Time Out", "OK Computer"]),
    ("rides", "Ride hailing", "driver", "drivers", "request_ride_with", "ride",
     "share_trip_status", ["standard", "xl", "comfort", "green"],
     ["airport pickup", "downtown office", "train station", "concert hall",
      "university campus", "hospital entrance", "ferry terminal", "stadium gate",
      "hotel lobby", "convention center"]),
    ("support", "Customer support", "ticket", "tickets", "escalate", "escalation",
     "notify_customer", ["billing", "technical", "shipping", "account"],
     ["double charge", "login loop", "lost parcel", "password reset", "refund delay",
      "app crash", "address change", "missing invoice", "broken item", "plan upgrade"]),
    ("crm", "Sales CRM", "lead", "leads", "create_deal_for", "deal", "notify_account_exec",
     ["inbound", "outbound", "referral", "partner"],
     ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics",
      "Wayne Foods", "Hooli Cloud", "Vandelay Imports", "Soylent Labs", "Tyrell Robotics"]),
    ("projects", "Project management", "task", "tasks", "assign", "assignment",
     "notify_assignee", ["bug", "feature", "chore", "research"],
     ["checkout latency", "dark mode", "dependency bump", "pricing study",
      "onboarding flow", "flaky tests", "export to CSV", "GDPR audit", "search ranking",
      "API rate limits"]),
    ("recruiting", "Hiring and recruiting", "candidate", "candidates", "schedule_interview_for",
     "interview", "notify_hiring_manager", ["engineering", "design", "sales", "operations"],
     ["backend engineer", "product designer", "account executive", "data analyst",
      "site reliability", "UX researcher", "sales engineer", "ops manager",
      "frontend engineer", "security engineer"]),
    ("library", "Public library", "book", "books", "reserve", "hold", "notify_patron",
     ["fiction", "history", "science", "children"],
     ["The Left Hand of Darkness", "Guns Germs and Steel", "Cosmos", "Matilda",
      "Beloved", "SPQR", "The Gene", "Charlotte's Web", "Dune", "Sapiens"]),
    ("restaurants", "Restaurant reservations", "restaurant", "restaurants", "reserve_table_at",
     "reservation", "send_reservation_note", ["italian", "japanese", "mexican", "indian"],
     ["Trattoria Roma", "Sushi Kanda", "Casa Oaxaca", "Spice Route", "Osteria Nonna",
      "Ramen Ichi", "Taqueria Sol", "Curry Leaf", "Pasta Fresca", "Izakaya Mori"]),
    ("food_delivery", "Food delivery", "dish", "dishes", "order", "delivery",
     "notify_courier", ["pizza", "sushi", "burger", "salad"],
     ["margherita pizza", "salmon nigiri", "double cheeseburger", "greek salad",
      "pepperoni pizza", "dragon roll", "veggie burger", "caesar salad", "quattro formaggi",
      "poke bowl"]),
    ("real_estate", "Real estate listings", "listing", "listings", "schedule_viewing_of",
     "viewing", "notify_agent", ["apartment", "house", "studio", "loft"],
     ["two-bedroom Alfama", "garden house Sintra", "studio near campus", "loft Marvila",
      "family house Cascais", "penthouse Avenidas", "duplex Campo de Ourique",
      "cottage Ericeira", "flat Benfica", "townhouse Estoril"]),
    ("healthcare", "Clinic appointments", "doctor", "doctors", "book_appointment_with",
     "appointment", "send_patient_reminder", ["general", "dermatology", "cardiology",
                                             "pediatrics"],
     ["Dr. Alves", "Dr. Chen", "Dr. Okafor", "Dr. Silva", "Dr. Novak", "Dr. Haddad",
      "Dr. Rossi", "Dr. Kim", "Dr. Müller", "Dr. Santos"]),
    ("pharmacy", "Pharmacy orders", "medication", "medications", "order_refill_of",
     "refill", "notify_pharmacist", ["prescription", "otc", "supplement", "device"],
     ["amoxicillin 500mg", "ibuprofen 200mg", "vitamin D3", "blood pressure monitor",
      "metformin 850mg", "loratadine 10mg", "omega-3", "glucose strips",
      "atorvastatin 20mg", "saline spray"]),
    ("courses", "Online courses", "course", "courses", "enroll_in", "enrollment",
     "notify_instructor", ["programming", "languages", "business", "arts"],
     ["Python for data", "Spanish A2", "negotiation basics", "watercolor",
      "SQL fundamentals", "Japanese N5", "product strategy", "photography",
      "Rust ownership", "public speaking"]),
    ("social", "Social media publishing", "draft", "drafts", "schedule_post_of", "post",
     "notify_team_channel", ["announcement", "tutorial", "event", "hiring"],
     ["launch teaser", "how-to video", "meetup invite", "we are hiring", "release notes",
      "customer story", "webinar promo", "milestone thanks", "tips thread", "office tour"]),
    ("cloud", "Cloud infrastructure", "image", "images", "launch_instance_from", "instance",
     "notify_oncall", ["ubuntu", "debian", "windows", "gpu"],
     ["ubuntu 24.04 base", "debian 12 slim", "windows server 2022", "cuda 12 runtime",
      "ubuntu minimal", "debian hardened", "windows sql", "pytorch gpu",
      "ubuntu docker host", "debian postgres"]),
    ("databases", "Database administration", "database", "databases", "snapshot",
     "snapshot_job", "notify_dba", ["postgres", "mysql", "mongodb", "redis"],
     ["orders-prod", "analytics-replica", "sessions-cache", "users-main", "billing-db",
      "events-store", "catalog-db", "audit-log", "search-meta", "ledger"]),
    ("photos", "Photo editing and printing", "photo", "photos", "order_print_of",
     "print_order", "share_album_link", ["portrait", "landscape", "event", "pet"],
     ["wedding first dance", "Alps sunrise", "graduation", "beach dog", "family reunion",
      "northern lights", "birthday cake", "city skyline", "cat nap", "garden party"]),
    ("tickets", "Event ticketing", "event", "events", "buy_tickets_for", "ticket_order",
     "send_tickets_by_email", ["concert", "theatre", "sports", "festival"],
     ["jazz night", "Hamlet", "derby match", "summer festival", "string quartet",
      "comedy club", "basketball final", "opera gala", "indie showcase", "film festival"]),
]

PAYMENT = ["card", "invoice", "wallet"]
EMAILS = ["ana.costa@example.com", "li.wei@example.org", "sam.okoro@example.net",
          "maria.rossi@example.com", "jon.berg@example.org", "priya.n@example.com"]
NOTES = ["Please keep me posted.", "This is for the quarterly plan.", "Urgent, thanks!",
         "Share with the team.", "Needed before Friday.", "Go ahead as discussed."]
REQUESTS = [
    "Find a {category} {thing} for '{query}', {act_phrase} {quantity} for {date}, email "
    "{email} with the note \"{note}\", then confirm it and pay by {payment}.",
    "Could you look up '{query}' among {category} {things}? I need {quantity} on {date}. "
    "Once it's set up, let {email} know (\"{note}\") and confirm with {payment}.",
    "I'm after the {query} {thing} ({category}). Please {act_phrase} {quantity} for {date}, "
    "notify {email} saying \"{note}\" and finalise it, paying via {payment}.",
]
TRAJECTORIES_PER_DOMAIN = 60


@dataclass
class Step:
    call: ToolCall
    result: Any


@dataclass
class Trajectory:
    """A clean, executable sequence of calls with recorded results."""

    id: str
    domain: str
    request: str
    steps: list[Step]
    final: str | None = None


@dataclass
class Domain:
    name: str
    description: str
    tools: list[dict[str, Any]]
    preconditions: dict[str, list[str]] = field(default_factory=dict)
    mutating: list[str] = field(default_factory=list)
    trajectories: list[Trajectory] = field(default_factory=list)
    track_values: bool = True  # False for imported sources without a real world


def _hex(*parts: Any, n: int = 6) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def _tools(thing: str, things: str, act: str, order: str, notify: str,
           categories: list[str]) -> list[dict[str, Any]]:
    def obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "properties": props, "required": required}

    return [
        {"name": f"search_{things}", "description": f"Search {things.replace('_', ' ')} by text.",
         "parameters": obj({
             "query": {"type": "string", "description": "Free-text search."},
             "category": {"type": "string", "enum": categories, "description": "Category."},
             "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5,
                       "description": "Maximum results."}}, ["query", "category"])},
        {"name": f"get_{thing}_details", "description": f"Get one {thing.replace('_', ' ')}.",
         "parameters": obj({f"{thing}_id": {"type": "string", "description": "Id from search."}},
                           [f"{thing}_id"])},
        {"name": f"{act}_{thing}", "description": f"{act.replace('_', ' ').capitalize()} a "
                                                  f"{thing.replace('_', ' ')}; returns a {order} id.",
         "parameters": obj({
             f"{thing}_id": {"type": "string", "description": "Id from search."},
             "quantity": {"type": "integer", "minimum": 1, "maximum": 10,
                          "description": "How many."},
             "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD."}},
             [f"{thing}_id", "quantity", "date"])},
        {"name": notify, "description": f"Email someone about the pending {order}.",
         "parameters": obj({
             "email": {"type": "string", "format": "email", "description": "Recipient."},
             "note": {"type": "string", "description": "Message text."}}, ["email", "note"])},
        {"name": f"confirm_{order}", "description": f"Confirm and pay a {order}.",
         "parameters": obj({
             f"{order}_id": {"type": "string", "description": f"Id of the {order}."},
             "payment_method": {"type": "string", "enum": PAYMENT, "description": "How to pay."}},
             [f"{order}_id", "payment_method"])},
    ]


def _trajectory(spec: tuple, i: int) -> Trajectory:
    name, _d, thing, things, act, order, notify, categories, queries = spec
    query = queries[i % len(queries)]
    category = categories[(i // len(queries) + i) % len(categories)]
    quantity = 1 + (i * 7) % 6
    date = f"2025-{1 + (i * 5) % 12:02d}-{1 + (i * 11) % 28:02d}"
    email, note = EMAILS[(i * 5) % len(EMAILS)], NOTES[(i * 7) % len(NOTES)]
    payment = PAYMENT[i % len(PAYMENT)]
    thing_id = f"{thing[:3]}_{_hex(name, i, 'thing')}"
    order_id = f"{order[:3]}_{_hex(name, i, 'order', n=8)}"
    price = round(5 + int(_hex(name, i, "price", n=4), 16) % 400 + 0.99, 2)
    request = REQUESTS[i % len(REQUESTS)].format(
        category=category, thing=thing.replace("_", " "), things=things.replace("_", " "),
        query=query, quantity=quantity, date=date, email=email, note=note, payment=payment,
        act_phrase=act.replace("_", " "))
    steps = [
        Step(ToolCall(f"search_{things}", {"query": query, "category": category}),
             {"matches": [{f"{thing}_id": thing_id, "name": query.title(), "category": category,
                           "rating": round(3.5 + (i % 15) / 10, 1)}], "total": 1}),
        Step(ToolCall(f"get_{thing}_details", {f"{thing}_id": thing_id}),
             {f"{thing}_id": thing_id, "name": query.title(), "price": price,
              "available": 3 + i % 20, "category": category}),
        Step(ToolCall(f"{act}_{thing}", {f"{thing}_id": thing_id, "quantity": quantity, "date": date}),
             {f"{order}_id": order_id, "status": "pending", "quantity": quantity, "date": date,
              "total": round(price * quantity, 2)}),
        Step(ToolCall(notify, {"email": email, "note": note}),
             {"delivered": True, "recipient": email}),
        Step(ToolCall(f"confirm_{order}", {f"{order}_id": order_id, "payment_method": payment}),
             {f"{order}_id": order_id, "status": "confirmed", "payment_method": payment}),
    ]
    final = (f"Done: {quantity} x {query.title()} for {date} ({order} {order_id}), "
             f"{email} notified, paid by {payment}.")
    return Trajectory(f"{name}-{i:03d}", name, request, steps, final)


def load_catalogue() -> list[Domain]:
    """All 30 domains with their trajectories (built, deterministic)."""
    out = []
    for spec in _DOMAINS:
        name, desc, thing, things, act, order, notify, categories, _q = spec
        tools = _tools(thing, things, act, order, notify, categories)
        dom = Domain(name, desc, tools, preconditions={notify: [f"{act}_{thing}"]},
                     mutating=[f"{act}_{thing}", notify, f"confirm_{order}"])
        dom.trajectories = [_trajectory(spec, i) for i in range(TRAJECTORIES_PER_DOMAIN)]
        out.append(dom)
    return out
