"""Shares of decentralized cooperation in the commune budget (§4.6.1), under every named definition.

§4.6.1 gives, for Tône 1, Kozah 1 and Ogou 1, the commune's global budget and the contribution of
decentralized cooperation, in FCFA with rounded euros, and states that the share was « en moyenne,
22 % ». It does not say how that share was computed, and the periods differ for Kozah 1 (a ten-year
contribution against a five-year budget). This module names each plausible definition and each way
of averaging it, computes them all, and reports which, if any, comes near the stated figure.

Definitions (one value per commune, as a fraction, 0.25 = 25 %):

``share_as_printed``
    contribution / budget, each over the period the study prints for it.
``share_per_year``
    (contribution / contribution years) / (budget / budget years): both brought to one year.
``share_of_total_resources``
    contribution / (budget + contribution), periods as printed: the contribution counted as part of
    the resources.
``share_of_total_resources_per_year``
    the same with both amounts brought to one year.

Averages over communes: ``mean`` (simple mean of the communes' shares), ``median`` and ``pooled``
(the definition applied to the summed amounts, e.g. sum of contributions / sum of budgets).

Frames in, frames out: the reader tables and the verdict are in ``coopdata.views.finance_tables``, the
chart in ``coopdata.views.study_charts``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pandas as pd

from coopdata.core.errors import DataError, ParameterError

#: Fixed parity of the CFA franc (BCEAO) with the euro since 1999: 1 EUR = 655.957 FCFA.
FCFA_PER_EUR = 655.957

#: Where the study prints the amounts and the 22 %.
SOURCE = "§4.6.1 La contribution financière"

DEFINITIONS = (
    "share_as_printed",
    "share_per_year",
    "share_of_total_resources",
    "share_of_total_resources_per_year",
)
METHODS = ("mean", "median", "pooled")


def fcfa_to_eur(amount):
    """Euros at the fixed peg (``FCFA_PER_EUR``); works on a number, a Series or an array."""
    if isinstance(amount, pd.Series):
        return pd.to_numeric(amount).astype("Float64") / FCFA_PER_EUR
    return amount / FCFA_PER_EUR


def euro_table(finance: pd.DataFrame) -> pd.DataFrame:
    """Each printed amount with the exact conversion at the peg beside the study's rounded euros.

    ``eur_diff_pct`` = (study's euros − exact euros) / exact euros × 100.
    """
    out = finance[["finance_id", "commune_id", "item", "amount_fcfa", "eur_approx"]].copy()
    out["eur_exact"] = fcfa_to_eur(out["amount_fcfa"]).round(2)
    out["eur_diff_pct"] = ((out["eur_approx"] - out["eur_exact"]) / out["eur_exact"] * 100).round(2)
    return out[["finance_id", "commune_id", "item", "amount_fcfa", "eur_exact", "eur_approx", "eur_diff_pct"]]


_DIGITS = re.compile(r"\D")


def printed_amount_checks(finance: pd.DataFrame) -> pd.DataFrame:
    """Whether the digits of each printed amount (FCFA and euros) equal the numeric columns."""
    def digits(text) -> int | None:
        s = _DIGITS.sub("", str(text)) if pd.notna(text) else ""
        return int(s) if s else None

    out = finance[["finance_id", "amount_fcfa", "amount_printed", "eur_approx", "eur_printed"]].copy()
    out["fcfa_matches"] = [digits(p) == int(a) for p, a in zip(out["amount_printed"], out["amount_fcfa"], strict=True)]
    out["eur_matches"] = [pd.isna(a) or digits(p) == int(a)
                          for p, a in zip(out["eur_printed"], out["eur_approx"], strict=True)]
    return out


AMOUNT_COLUMNS = ("amount_fcfa", "eur_approx")


def amounts(finance: pd.DataFrame, amount_column: str = "amount_fcfa") -> pd.DataFrame:
    """One row per commune: budget, contribution and the years each covers (as printed).

    Amounts come from ``amount_column``: ``amount_fcfa`` (default) or ``eur_approx`` (the study's
    rounded euros, to check that the rounding does not change the finding).
    """
    if amount_column not in AMOUNT_COLUMNS:
        raise ValueError(f"amount_column must be one of {AMOUNT_COLUMNS}, not {amount_column!r}")
    rows = []
    for commune_id, group in finance.groupby("commune_id", sort=False):
        row = {"commune_id": commune_id}
        for item in ("budget", "contribution"):
            sel = group[group["item"] == item]
            if len(sel) != 1:
                raise DataError("finance.csv", f"each commune needs exactly one {item} row",
                                column="item", value=str(commune_id), hint=f"found {len(sel)}")
            years = sel["period_years"].iloc[0]
            if pd.isna(years) or int(years) < 1:
                raise DataError("finance.csv", "period_years must be a positive number of years",
                                column="period_years", value=str(sel["finance_id"].iloc[0]))
            amount = sel[amount_column].iloc[0]
            if pd.isna(amount):
                raise DataError("finance.csv", f"{amount_column} is empty", column=amount_column,
                                value=str(sel["finance_id"].iloc[0]))
            row[item] = int(amount)
            row[f"{item}_years"] = int(years)
        rows.append(row)
    return pd.DataFrame(rows, columns=["commune_id", "budget", "budget_years", "contribution", "contribution_years"])


def _shares(budget: float, contribution: float, budget_years: float, contribution_years: float) -> dict[str, float]:
    b_year, c_year = budget / budget_years, contribution / contribution_years
    return {
        "share_as_printed": contribution / budget,
        "share_per_year": c_year / b_year,
        "share_of_total_resources": contribution / (budget + contribution),
        "share_of_total_resources_per_year": c_year / (b_year + c_year),
    }


def ratios(finance: pd.DataFrame, amount_column: str = "amount_fcfa") -> pd.DataFrame:
    """One row per commune with its amounts and the four shares (fractions) named in ``DEFINITIONS``.

    Columns: commune_id, budget, budget_years, contribution, contribution_years (amounts from
    ``amount_column``, FCFA by default), then one column per definition.
    """
    df = amounts(finance, amount_column)
    shares = pd.DataFrame([
        _shares(r.budget, r.contribution, r.budget_years, r.contribution_years) for r in df.itertuples()
    ], index=df.index, columns=list(DEFINITIONS))
    return pd.concat([df, shares], axis=1)


def _pooled(df: pd.DataFrame) -> dict[str, float]:
    # the definitions applied to summed amounts: as printed, and per year (each amount / its years first)
    b, c = float(df["budget"].sum()), float(df["contribution"].sum())
    b_year = float((df["budget"] / df["budget_years"]).sum())
    c_year = float((df["contribution"] / df["contribution_years"]).sum())
    return {
        "share_as_printed": c / b,
        "share_per_year": c_year / b_year,
        "share_of_total_resources": c / (b + c),
        "share_of_total_resources_per_year": c_year / (b_year + c_year),
    }


def averages(ratios: pd.DataFrame) -> pd.DataFrame:
    """Each definition averaged over the communes of ``ratios``: mean, median and pooled.

    Returns one row per (definition, method) with ``value`` as a fraction.
    """
    pooled = _pooled(ratios)
    rows = []
    for definition in DEFINITIONS:
        values = ratios[definition].astype(float)
        rows += [
            {"definition": definition, "method": "mean", "value": float(values.mean())},
            {"definition": definition, "method": "median", "value": float(values.median())},
            {"definition": definition, "method": "pooled", "value": pooled[definition]},
        ]
    return pd.DataFrame(rows)


def candidates(finance: pd.DataFrame, stated: float = 22.0,
               amount_columns: tuple[str, ...] = AMOUNT_COLUMNS) -> pd.DataFrame:
    """Every way of getting one percentage from the printed amounts.

    Every amount basis (FCFA, the study's rounded euros) × every definition × every non-empty set
    of communes × every method (a single commune has one value, method ``single``; the median of
    two communes is their mean and is not repeated). Columns: amounts, definition, method, communes
    (ids joined by ';'), n_communes, value_pct, gap_pp (value − stated, in percentage points).
    """
    rows = []
    for amount_column in amount_columns:
        table = ratios(finance, amount_column)
        ids = list(table["commune_id"])
        for n in range(1, len(ids) + 1):
            for subset in itertools.combinations(ids, n):
                part = table[table["commune_id"].isin(subset)]
                if n == 1:
                    found = [{"definition": d, "method": "single", "value": float(part[d].iloc[0])}
                             for d in DEFINITIONS]
                else:
                    found = [r for r in averages(part).to_dict("records") if not (n == 2 and r["method"] == "median")]
                rows += [{"amounts": amount_column, **r, "communes": ";".join(subset)} for r in found]
    out = pd.DataFrame(rows)
    out["n_communes"] = out["communes"].str.count(";") + 1
    out["value_pct"] = out["value"] * 100
    out["gap_pp"] = out["value_pct"] - stated
    return out[["amounts", "definition", "method", "communes", "n_communes", "value_pct", "gap_pp"]]


@dataclass
class Reproduction:
    """What the printed amounts can and cannot give for the stated share."""

    stated: float
    tolerance_pct_points: float
    n_communes: int
    candidates: pd.DataFrame  # every candidate, sorted by |gap| (stable: FCFA before euros)
    matches: pd.DataFrame  # candidates within tolerance (any set of communes, any amount basis)
    closest: dict  # closest candidate of all
    closest_all_communes: dict  # closest average of all the communes, from the FCFA amounts

    @property
    def reproduced(self) -> bool:
        """True when an average over ALL the communes (what « en moyenne » says) is within tolerance."""
        return len(self.matches_all_communes) > 0

    @property
    def matches_all_communes(self) -> pd.DataFrame:
        return self.matches[self.matches["n_communes"] == self.n_communes]

    def grouped(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows merged where several definitions give the same value (equal periods), definitions joined by ';'."""
        if rows.empty:
            return rows.assign(definition=pd.Series(dtype="string"))
        key = rows.assign(_v=rows["value_pct"].round(9))
        out = (key.groupby(["amounts", "method", "communes", "_v"], sort=False)
               .agg(definition=("definition", ";".join), n_communes=("n_communes", "first"),
                    value_pct=("value_pct", "first"), gap_pp=("gap_pp", "first"))
               .reset_index().drop(columns="_v"))
        return out[list(rows.columns)]


def reproduce_stated_average(finance: pd.DataFrame, stated: float = 22.0,
                             tolerance_pct_points: float = 1.0) -> Reproduction:
    """Try every definition and average (``candidates``) against the stated share (in %).

    ``reproduced`` is true only if an average over all the communes (FCFA or the study's rounded
    euros) lands within ``tolerance_pct_points`` of ``stated``; ``matches`` lists every candidate
    within tolerance (single communes and subsets included), ``closest`` the nearest candidate of
    all and ``closest_all_communes`` the nearest average of all the communes from the FCFA amounts.
    """
    if not tolerance_pct_points >= 0:
        raise ValueError(f"tolerance_pct_points must be >= 0, not {tolerance_pct_points!r}")
    table = candidates(finance, stated)
    order = table["gap_pp"].abs().sort_values(kind="stable").index
    table = table.loc[order].reset_index(drop=True)
    n = int(table["n_communes"].max())
    matches = table[table["gap_pp"].abs() <= tolerance_pct_points].reset_index(drop=True)
    return Reproduction(
        stated=float(stated),
        tolerance_pct_points=float(tolerance_pct_points),
        n_communes=n,
        candidates=table,
        matches=matches,
        closest=table.iloc[0].to_dict(),
        closest_all_communes=table[(table["n_communes"] == n) & (table["amounts"] == "amount_fcfa")].iloc[0].to_dict(),
    )


def check_tolerance(value) -> float:
    """The notebook parameter ``tolerance_pct_points`` as a float in (0, 100), else ParameterError."""
    try:
        tol = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"tolerance_pct_points must be a number of percentage points, not {value!r}") from None
    if not 0 < tol < 100:
        raise ParameterError(f"tolerance_pct_points must be between 0 and 100 (exclusive), not {value!r}")
    return tol


def stated_share(study_figures: pd.DataFrame) -> float:
    """The share printed in §4.6.1 (study_figures ``finance_mean_share_pct``), in %."""
    figures = study_figures.set_index("figure_id")["value"]
    if "finance_mean_share_pct" not in figures:
        raise DataError("study_figures.csv", "figure finance_mean_share_pct is missing", column="figure_id")
    return float(figures["finance_mean_share_pct"])


def reserves(finance: pd.DataFrame, communes: pd.DataFrame) -> dict:
    """What limits the shares, found in the data (commune names, in the order of finance.csv).

    ``communes_with_amounts`` of ``communes`` (rows of communes.csv) have amounts; ``period_mismatch``:
    contribution and budget over different numbers of years; ``period_implied``: a period not stated
    (``period_basis`` implied); ``period_years_unknown``: a period whose first or last year is not printed.
    """
    names = dict(zip(communes["commune_id"], communes["commune"], strict=True))
    table = amounts(finance)

    def named(ids) -> list[str]:
        return [names.get(c, c) for c in dict.fromkeys(ids)]

    return {
        "communes_with_amounts": int(table["commune_id"].nunique()),
        "communes": len(communes),
        "period_mismatch": named(table.loc[table["budget_years"] != table["contribution_years"], "commune_id"]),
        "period_implied": named(finance.loc[finance["period_basis"] == "implied", "commune_id"]),
        "period_years_unknown": named(finance.loc[finance["period_start"].isna() | finance["period_end"].isna(),
                                                  "commune_id"]),
    }
