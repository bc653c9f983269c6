"""OpenLineage for the warehouse operators (apache-airflow-providers-openlineage): what the steps a task ran read
and wrote, named as `warehouse.datasets` names them. A load step reports its table as output, with the
column-lineage facet (the data dictionary's sqlglot tracing), and the sources and tables it reads as inputs; a
stage step, its source; a check step, the table it checked with a data-quality-assertions facet, a passed or
failed assertion per check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from airflow.providers.common.compat.openlineage.facet import (
    ColumnLineageDatasetFacet,
    Fields,
    InputDataset,
    InputField,
    OutputDataset,
)
from airflow.providers.openlineage.extractors import OperatorLineage
from openlineage.client.generated.data_quality_assertions_dataset import Assertion, DataQualityAssertionsDatasetFacet

from warehouse import datasets
from warehouse.plan import Layer

if TYPE_CHECKING:
    from warehouse.compile import Project
    from warehouse.results import StepResult


def lineage(
    project: Project, url: str, variables: dict[str, str], results: list[StepResult], url_of: Callable[[str], str]
) -> OperatorLineage:
    """The inputs and outputs of the steps that ran (`url`: the target's; `url_of`: a source connection's)."""
    inputs: list[InputDataset] = []
    outputs: list[OutputDataset] = []
    schema = project.spec.warehouse_schema
    for result in results:
        step = result.step
        if step.layer in (Layer.DIMENSIONS, Layer.FACTS):
            load = datasets.load(project, step.subject, url, variables, url_of)
            inputs += [InputDataset(d.namespace, d.name) for d in load.inputs]
            outputs.append(OutputDataset(load.output.namespace, load.output.name, facets=_columns(load)))
        elif step.layer == Layer.STAGE:
            source = datasets.source(project, step.subject, variables, url_of)
            inputs.append(InputDataset(source.namespace, source.name))
        elif step.layer == Layer.CHECKS and result.checks:
            checked = datasets.table(url, schema, step.subject)
            found = datasets.assertions(project, step.subject, result.checks)
            facet = DataQualityAssertionsDatasetFacet(
                [Assertion(a.assertion, a.success, a.column, a.severity) for a in found]
            )
            facets = {"dataQualityAssertions": facet}
            inputs.append(InputDataset(checked.namespace, checked.name, inputFacets=facets))
    return OperatorLineage(inputs=_unique(inputs), outputs=outputs)


def _columns(load: datasets.Load) -> dict[str, ColumnLineageDatasetFacet]:
    fields = {
        column: Fields(inputFields=[InputField(d.namespace, d.name, name) for d, name in sources])
        for column, sources in load.columns.items()
    }
    return {"columnLineage": ColumnLineageDatasetFacet(fields=fields)}


def _unique(found: list[InputDataset]) -> list[InputDataset]:
    """Each dataset once (the first, which carries its facets when a check reported it)."""
    seen: dict[tuple[str, str], InputDataset] = {}
    for dataset in found:
        seen.setdefault((dataset.namespace, dataset.name), dataset)
    return list(seen.values())
