"""The property summary on the reports page: a page asked for before the filters changed is
not added to the rows of the new answer."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Route, expect

from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


def test_a_page_of_an_older_summary_is_not_added_to_the_new_one(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["ADMIN"])
    first = api.get("/api/v1/reports/property-summary", limit=25)
    assert first["next_cursor"]
    market = api.get("/api/v1/properties", limit=1)["items"][0]["market"]
    in_market = api.get("/api/v1/reports/property-summary", market=market, limit=25)
    assert in_market["items"] and not in_market["next_cursor"]
    in_market = in_market["items"]

    admin = sign_in(demo["ADMIN"])
    page = admin.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.locator('.report[aria-busy="true"]')).to_have_count(0)
    table = page.get_by_role("table", name="Turns per property")
    expect(table.locator("tbody tr")).to_have_count(len(first["items"]))

    held: list[Route] = []
    page.route("**/api/v1/reports/property-summary?*cursor=*", lambda route: held.append(route))
    page.get_by_role("button", name="Show more properties").click()
    while not held:
        page.wait_for_timeout(50)
    page.get_by_role("form", name="Report filters").get_by_label("Market").select_option(market)
    expect(table.locator("tbody tr")).to_have_count(len(in_market))
    held[0].continue_()
    page.wait_for_timeout(1500)
    expect(table.locator("tbody tr")).to_have_count(len(in_market))
    names = table.locator("tbody th").all_inner_texts()
    assert sorted(names) == sorted(str(p["property_id"]) for p in in_market)
