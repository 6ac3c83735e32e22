"""Reports: capacity per shuttle type (one CSV each) and a price chart."""

import pandas as pd

_BAR = '<rect x="{x}" y="{y}" width="30" height="{h}" fill="#4c72b0"><title>{label}: {value}</title></rect>'


def capacity_by_type(shuttles: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One partition per shuttle type with its mean passenger capacity."""
    grouped = shuttles.groupby(["shuttle_type", "engine_type"], as_index=False)["passenger_capacity"].mean()
    return {
        name.replace(" ", "_").lower(): frame.reset_index(drop=True)
        for name, frame in grouped.groupby("shuttle_type")
    }


def price_chart(table: pd.DataFrame) -> str:
    """An SVG bar chart of the mean price per passenger capacity."""
    means = table.groupby("passenger_capacity")["price"].mean().sort_index()
    top = float(means.max()) or 1.0
    bars = []
    for i, (capacity, price) in enumerate(means.items()):
        height = round(180 * float(price) / top, 1)
        bars.append(_BAR.format(x=20 + 40 * i, y=round(200 - height, 1), h=height, label=capacity, value=round(price, 2)))
    width = 40 + 40 * len(means)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="210">'
        + "".join(bars)
        + "</svg>\n"
    )
