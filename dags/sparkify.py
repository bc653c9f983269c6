"""Airflow DAG `sparkify`, from config/sparkify.yaml (a file per spec: see warehouse_dags)."""

from warehouse_dags import spec_dag

dag = spec_dag("sparkify")
