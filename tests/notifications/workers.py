"""Delivery workers for the concurrency test: separate processes with their own app."""


def deliver_until_empty(config, barrier, results):
    from app import create_app
    from app.delivery import deliver_due

    app = create_app(config)
    total = {"sent": 0, "retry": 0, "failed": 0, "rounds": 0}
    with app.app_context():
        barrier.wait(timeout=60)
        while True:
            counts = deliver_due()
            total["rounds"] += 1
            for key in ("sent", "retry", "failed"):
                total[key] += counts[key]
            if not any(counts.values()):
                break
    results.put(total)
