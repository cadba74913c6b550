"""The `tinko simulate` and `tinko backtest` commands (registered in tinko.cli)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tinko.policies.models import RetryPolicy
from tinko.rules import RuleSpec
from tinko.simulate.plot import recovered_svg
from tinko.simulate.report import daily_recovered, details, oracle_revenue, table, to_json
from tinko.simulate.run import Simulation, simulate
from tinko.simulate.scenario import Scenario, ScenarioError, load_scenario
from tinko.simulate.strategies import ConfigError, load_policy, load_rules

if TYPE_CHECKING:
    from tinko.simulate.backtest import Export

err = Console(stderr=True)

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="A retry policy (JSON or YAML) in the /v1/retry-policies shape."),
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="A list of rules (JSON or YAML) in the /v1/rules shape."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Everything random follows from it.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object, nothing else.")]
PlotOption = Annotated[
    Path | None,
    typer.Option("--plot", help="Where to write the SVG plot (default: <scenario>-<seed>.svg)."),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", min=1, help="Worker processes (default: CPUs, ≤ 4).")
]


def fail(message: str) -> typer.Exit:
    # soft_wrap: one line whatever the terminal's width, so scripts can grep it.
    # escape: messages quote user input and YAML lists ("methods: [mastercard_card]").
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def engine_config(
    policy: Path | None, rules: Path | None
) -> tuple[RetryPolicy | None, list[RuleSpec]]:
    try:
        return (
            load_policy(policy) if policy else None,
            load_rules(rules) if rules else [],
        )
    except ConfigError as exc:
        raise fail(str(exc)) from None


def run_and_report(
    scenario: Scenario,
    seed: int,
    policy: RetryPolicy | None,
    rules: list[RuleSpec],
    *,
    as_json: bool,
    plot: Path | None,
    workers: int | None,
    emit: bool = True,
) -> Simulation:
    """Simulate and print the report (``emit=False`` with ``as_json``: the caller prints)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[days]}"),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
        disable=not err.is_terminal and as_json,
    ) as bar:
        task = bar.add_task(f"simulating {scenario.name}", total=1.0, days="")
        per_run = float(scenario.days + scenario.window_days)

        def progress(done: float, total: float) -> None:
            runs = total / per_run
            bar.update(
                task,
                completed=done / total,
                days=f"{done / runs:.0f}/{per_run:.0f} virtual days x {runs:.0f} runs",
            )

        sim = simulate(
            scenario, seed, policy=policy, rules=rules, workers=workers, progress=progress
        )
    target = plot or (None if as_json else Path(f"{scenario.name}-{seed}.svg"))
    if target is not None:
        _write_plot(sim, target)
    if as_json:
        if emit:
            sys.stdout.write(json.dumps(to_json(sim), sort_keys=False) + "\n")
        return sim
    out = Console()
    out.print(table(sim))
    for name, info in details(sim).items():
        rules_hit = ", ".join(f"{k} x{v}" for k, v in info["violated_rules"].items()) or "none"
        out.print(
            f"[bold]{name}[/bold]: {info['retries_sent']} retries sent, "
            f"{info['retries_blocked']} held back by the guard, {info['messages_sent']} messages; "
            f"rules broken: {rules_hit}",
            highlight=False,
        )
    out.print(json.dumps(to_json(sim)), highlight=False, soft_wrap=True)
    out.print(f"plot: {target}   ({sim.elapsed_seconds:.1f} s)", highlight=False)
    return sim


def _write_plot(sim: Simulation, target: Path) -> None:
    svg = recovered_svg(
        daily_recovered(sim),
        start=sim.scenario.start,
        currency=sim.scenario.currency,
        title=f"{sim.scenario.name} (seed {sim.seed}): recovered revenue by strategy",
        oracle=oracle_revenue(sim),
    )
    try:
        target.write_text(svg, encoding="utf-8")
    except OSError as exc:  # the figures matter more than the picture: warn, carry on
        err.print(f"[yellow]warning:[/yellow] cannot write the plot to {target}: {exc.strerror}")


def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML); see docs/simulator.md.")],
    policy: PolicyOption = None,
    rules: RulesOption = None,
    seed: SeedOption = 1,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run Tinko's engine and five merchant baselines over a simulated world; compare with the
    oracle and the strongest baseline."""
    try:
        world = load_scenario(scenario)
    except ScenarioError as exc:
        raise fail(f"{scenario}: {exc}") from None
    chosen_policy, chosen_rules = engine_config(policy, rules)
    run_and_report(
        world, seed, chosen_policy, chosen_rules, as_json=as_json, plot=plot, workers=workers
    )


def backtest_command(
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="A CSV export of failed payments (Stripe or Razorpay)."),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Use this organisation's stored failures.")
    ] = None,
    gateway: Annotated[
        str | None,
        typer.Option(
            "--gateway",
            help="Whose codes the failures hold: stripe, razorpay or sandbox "
            "(default: read from the export's columns or the stored transactions, else stripe).",
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            help="How the export writes dates, e.g. '%d/%m/%Y %H:%M:%S' (asked for when "
            "its slashed dates could be day- or month-first).",
        ),
    ] = None,
    amount_units: Annotated[
        str | None,
        typer.Option(
            "--amount-units",
            help="How the export writes amounts: major (49.99 or 49 for USD 49) or minor "
            "(4999 cents) (default: read from the file; asked for when it cannot tell).",
        ),
    ] = None,
    merchant_tz: Annotated[
        str | None, typer.Option("--merchant-tz", help="IANA zone of the merchant (UTC).")
    ] = None,
    customer_tz: Annotated[
        str | None,
        typer.Option("--customer-tz", help="IANA zone of the customers (the merchant's)."),
    ] = None,
    paydays: Annotated[
        str | None,
        typer.Option(
            "--paydays",
            help="The customers' paydays: '1', '1,15', '-1' (last day), 'weekly:fri' or "
            "'biweekly:fri' (default: the 1st).",
        ),
    ] = None,
    policy: PolicyOption = None,
    rules: RulesOption = None,
    seed: SeedOption = 1,
    as_json: JsonOption = False,
    plot: PlotOption = None,
    workers: WorkersOption = None,
) -> None:
    """What would this policy have recovered of our own failures? The same comparison as
    `simulate`, on a world calibrated on the organisation's decline mix and amounts."""
    from tinko.simulate.backtest import BacktestError, input_summary, read_export
    from tinko.simulate.calibrate import calibrated_scenarios
    from tinko.simulate.export_amounts import UNITS
    from tinko.simulate.scenario import GATEWAYS

    if (csv_file is None) == (org is None):
        raise fail("give exactly one of --csv FILE or --org ORG_ID")
    if gateway is not None and gateway not in GATEWAYS:
        raise fail(f"--gateway: {gateway!r} is not one of {', '.join(GATEWAYS)}")
    if amount_units is not None and amount_units not in UNITS:
        raise fail(f"--amount-units: {amount_units!r} is not one of {', '.join(UNITS)}")
    if amount_units is not None and csv_file is None:
        raise fail("--amount-units reads a CSV export: stored failures are in minor units")
    try:
        if csv_file is not None:
            export = read_export(csv_file, date_format, gateway, amount_units)
            name = f"backtest-{csv_file.stem}"
        else:
            assert org is not None
            export = _org_failures(org)
            name = f"backtest-{org}"
        _report_input(export, as_json)
        if not export.failures:
            raise BacktestError(_nothing_to_learn(export))
        worlds = calibrated_scenarios(
            name,
            export.failures,
            gateway or export.gateway or "stripe",
            merchant_tz=merchant_tz,
            customer_tz=customer_tz,
            paydays=paydays,
        )
    except BacktestError as exc:
        raise fail(str(exc)) from None
    chosen_policy, chosen_rules = engine_config(policy, rules)
    summary = input_summary(export)
    if len(worlds) == 1:  # one currency: `simulate`'s output, and the input's summary
        sim = run_and_report(
            worlds[0],
            seed,
            chosen_policy,
            chosen_rules,
            as_json=as_json,
            plot=plot,
            workers=workers,
            emit=False,
        )
        if as_json:
            sys.stdout.write(json.dumps({**to_json(sim), "input": summary}) + "\n")
        return
    _per_currency(name, worlds, seed, chosen_policy, chosen_rules, as_json, plot, workers, summary)


def _nothing_to_learn(export: Export) -> str:
    """Why no world can be calibrated, naming the rows that were read but not kept."""
    why = "no failed payments with a decline code to learn from"
    parts = [f"{len(rows)} {reason}" for reason, rows in export.bad_rows.items()]
    if export.skipped_methods:
        parts.append(f"{export.skipped_methods} on payment methods the simulator does not model")
    if not parts:
        return why
    return f"{why}: of {export.rows_read} rows, skipped: {'; '.join(parts)} (reported above)"


def _report_input(export: Export, as_json: bool) -> None:
    from tinko.kit.money import format_money
    from tinko.simulate.backtest import failed_amounts

    if not as_json:  # on stdout, beside the simulated failed revenue
        for currency, total in failed_amounts(export).items():
            count = sum(1 for f in export.failures if f.currency == currency)
            Console().print(
                f"the file's {count} {currency} failures total "
                f"{format_money(total, currency, 'en')}; the simulation draws amounts from "
                "their distribution, so its failed revenue differs",
                highlight=False,
                soft_wrap=True,
            )
    units = export.amount_units
    if units is not None and units.guessed and export.failures:
        first = export.failures[0]
        read = format_money(first.amount_minor, first.currency, "en")
        err.print(
            f"note: {units.because}, so amounts are read as minor units "
            f"({first.amount_minor} is {read}); "
            "if the file writes whole currency units, give --amount-units major",
            highlight=False,
            soft_wrap=True,
        )
    if export.skipped_methods and not as_json:
        methods = ", ".join(f"{m} {n}" for m, n in export.left_out.most_common())
        err.print(
            f"note: {export.skipped_methods} failures on payment methods the simulator "
            f"does not model ({methods}) were left out",
            highlight=False,
            soft_wrap=True,
        )
    if export.worded_codes:
        err.print(
            f"note: {len(export.worded_codes)} failures have codes the classifier read from "
            f"their words, e.g. {'; '.join(export.worded_codes[:3])}",
            highlight=False,
            soft_wrap=True,
        )
    if export.unknown_codes:
        err.print(
            f"note: {len(export.unknown_codes)} failures have codes the classifier does not "
            f"know (simulated as temporary blocks), e.g. {'; '.join(export.unknown_codes[:3])}",
            highlight=False,
            soft_wrap=True,
        )
    for reason, rows in sorted(export.bad_rows.items()):
        examples = "; ".join(rows[:3])
        err.print(
            f"skipped {len(rows)} bad rows ({reason}), e.g. {examples}",
            highlight=False,
            soft_wrap=True,
        )


def _per_currency(
    name: str,
    worlds: list[Scenario],
    seed: int,
    policy: RetryPolicy | None,
    rules: list[RuleSpec],
    as_json: bool,
    plot: Path | None,
    workers: int | None,
    summary: dict[str, object],
) -> None:
    """Several currencies: each is its own world and report, never summed across currencies.
    JSON: ``{"scenario", "seed", "currencies": {"USD": <the simulate object>, ...}, "input"}``."""
    reports: dict[str, object] = {}
    for world in worlds:
        target = plot.with_stem(f"{plot.stem}-{world.currency.lower()}") if plot else None
        if not as_json:
            head = f"== {world.currency} (failures: {world.failures})"
            Console().print(f"[bold]{head}[/bold]", highlight=False)
        sim = run_and_report(
            world, seed, policy, rules, as_json=as_json, plot=target, workers=workers, emit=False
        )
        reports[world.currency] = to_json(sim)
    if as_json:
        doc = {"scenario": name, "seed": seed, "currencies": reports, "input": summary}
        sys.stdout.write(json.dumps(doc, sort_keys=False) + "\n")


def _org_failures(org: str) -> Export:
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from tinko.config import SettingsError, load_settings
    from tinko.db import make_engine, make_session_factory, unit_of_work
    from tinko.simulate.backtest import read_org

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None
    engine = make_engine(settings.resolved_database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return read_org(session, org)
    except SQLAlchemyError as exc:  # no database, or one not migrated yet
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).splitlines()[0]
        raise fail(f"cannot read the failures from the database: {reason}") from None
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
    app.command("backtest")(backtest_command)
