"""Worker for the race tests: a separate process with its own app and connections."""


def fire_at_once(config, token, url, body, barrier, results):
    from app import create_app

    app = create_app(config)
    client = app.test_client()
    barrier.wait(timeout=30)
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    results.put((response.status_code, (response.get_json() or {}).get("error", {}).get("code")))
