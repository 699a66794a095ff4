"""The scale-out engine: the same Splink model on Spark (``pip install grappe[spark]``).

Only imported when chosen, so the embedded default never needs a JVM. ``master`` is "local[2]" for a laptop
or a cluster URL ("spark://host:7077"); an existing session can be passed instead, provided it loads Splink's
similarity jar (``splink.backends.spark.similarity_jar_location()`` in ``spark.jars``).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..errors import LinkageSettingsError
from .base import Engine


class SparkEngine(Engine):
    name = "spark"
    dialect = "spark"

    def __init__(self, *, spark: Any = None, master: str = "local[2]", shuffle_partitions: int = 8) -> None:
        self._spark = spark
        self.master = master
        self.shuffle_partitions = shuffle_partitions

    @property
    def spark(self) -> Any:
        if self._spark is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError as error:
                raise LinkageSettingsError(
                    "Le moteur Spark demande PySpark, qui n'est pas installé.",
                    hint="Installez-le avec « pip install grappe[spark] », ou utilisez le moteur duckdb.",
                ) from error
            from splink.backends.spark import similarity_jar_location

            # Splink's string-similarity functions (jaro_winkler…) ship as a jar inside its wheel.
            self._spark = (
                SparkSession.builder.master(self.master)
                .config("spark.jars", similarity_jar_location())
                .appName("grappe-linkage")
                .config("spark.sql.shuffle.partitions", str(self.shuffle_partitions))
                .config("spark.ui.enabled", "false")
                .getOrCreate()
            )
        return self._spark

    def _db_api(self) -> Any:
        from splink import SparkAPI

        return SparkAPI(spark_session=self.spark, break_lineage_method="persist")

    def _register(self, db_api: Any, table: pa.Table, name: str) -> Any:
        return db_api.register(self.spark.createDataFrame(table), table_name=name)
