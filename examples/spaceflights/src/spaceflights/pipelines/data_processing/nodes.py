"""Cleaning the raw company, shuttle and review tables."""

import pandas as pd


def _is_true(x: pd.Series) -> pd.Series:
    return x == "t"


def _parse_percentage(x: pd.Series) -> pd.Series:
    return x.str.replace("%", "").astype(float) / 100


def _parse_money(x: pd.Series) -> pd.Series:
    return x.str.replace("$", "").str.replace(",", "").astype(float)


def preprocess_companies(companies: pd.DataFrame) -> pd.DataFrame:
    """Booleans and ratings as numbers; missing ratings become the median."""
    out = companies.copy()
    out["iata_approved"] = _is_true(out["iata_approved"])
    out["company_rating"] = _parse_percentage(out["company_rating"])
    out["company_rating"] = out["company_rating"].fillna(out["company_rating"].median())
    return out


def preprocess_shuttles(shuttles: pd.DataFrame) -> pd.DataFrame:
    """Booleans and prices as numbers."""
    out = shuttles.copy()
    out["d_check_complete"] = _is_true(out["d_check_complete"])
    out["moon_clearance_complete"] = _is_true(out["moon_clearance_complete"])
    out["price"] = _parse_money(out["price"])
    return out


def create_model_input_table(
    shuttles: pd.DataFrame, companies: pd.DataFrame, reviews: pd.DataFrame
) -> pd.DataFrame:
    """Join shuttles with their reviews and operating companies."""
    rated = shuttles.merge(reviews, left_on="id", right_on="shuttle_id")
    table = rated.merge(companies, left_on="company_id", right_on="id", suffixes=("", "_company"))
    return table.dropna(subset=["price"]).reset_index(drop=True)
