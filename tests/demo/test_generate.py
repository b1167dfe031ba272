"""The demo content: deterministic, big enough, and with every story the product brief asks for."""

from __future__ import annotations

import datetime as dt

from resonanz.demo import content
from resonanz.demo.generate import generate

END = dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC)


def test_same_seed_and_end_give_the_same_plan():
    assert generate(END) == generate(END)
    assert generate(END, seed=7).posts != generate(END).posts


def test_three_days_of_at_least_600_messages_from_about_300_customers():
    plan = generate(END)
    authors = {(post.channel, post.event["author"]["handle"]) for post in plan.posts}
    assert len(plan.posts) >= 600
    assert 280 <= len(authors) <= 400
    assert max(post.at for post in plan.posts) == END
    assert min(post.at for post in plan.posts) >= END - dt.timedelta(days=3)
    assert {post.channel for post in plan.posts} == {"x", "facebook", "forum", "email", "app", "phone"}
    assert len({post.event["id"] for post in plan.posts}) == len(plan.posts)


def test_newest_message_is_the_end_for_any_time_of_day():
    for hour in (0, 6, 12, 20):
        plan = generate(END.replace(hour=hour))
        assert max(post.at for post in plan.posts) == END.replace(hour=hour)
        assert len(plan.posts) >= 600


def test_regional_outage_many_customers_of_one_city_within_an_hour():
    plan = generate(END)
    window = [
        p for p in plan.posts if END - dt.timedelta(minutes=180) <= p.at <= END - dt.timedelta(minutes=120)
    ]
    postal_codes, districts, _phones, _land = content.CITIES["Köln"]
    markers = ("Köln", *postal_codes, *districts)
    cologne = {
        (p.channel, p.event["author"]["handle"])
        for p in window
        if any(marker in p.event["text"] for marker in markers)
        or p.event["author"]["profile"].get("city") == "Köln"
    }
    assert len(cologne) >= 40


def test_replies_and_follow_ups_point_at_earlier_messages():
    plan = generate(END)
    when = {post.event["id"]: post.at for post in plan.posts}
    follow_ups = [post for post in plan.posts if post.event.get("reply_to")]
    assert len(follow_ups) >= 60
    assert all(when[post.event["reply_to"]] < post.at for post in follow_ups)
    assert len([r for r in plan.replies if r.text]) >= 200
    assert all(reply.to in when and when[reply.to] < reply.at for reply in plan.replies)
    assert {reply.agent for reply in plan.replies} <= {agent.username for agent in content.AGENTS}


def test_the_special_stories_are_in():
    texts = [post.event["text"] for post in generate(END).posts]
    assert any("Standleitung" in text for text in texts)  # the VIP
    assert any("Inkasso" in text for text in texts)  # debts
    assert any("Hausnotruf" in text for text in texts)  # health
    assert any("Wartung" in text for text in texts)  # the maintenance window
    assert sum("Glasfaser 1000" in text or "Box 7" in text for text in texts) >= 30  # the launch
    assert sum(text.startswith(("Hi ", "How ", "I ", "My ", "Why ", "Is ", "The ", "Great ")) or " Any ETA" in text
               or "@netzwelt_hilft Hi" in text for text in texts) >= 15  # fmt: skip
    assert any("Ganz großes Kino" in text for text in texts)  # sarcasm


def test_demo_agents_cover_the_four_teams():
    assert len(content.AGENTS) == 20
    assert {team for agent in content.AGENTS for team in agent.teams} == set(content.TEAMS)
    demo = next(agent for agent in content.AGENTS if agent.username == "demo")
    assert demo.role == "admin"
