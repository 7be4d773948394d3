"""The run-folder contract: the names of the files one run writes.

A run folder (Hydra's ``paths.output_dir``; one job folder of a sweep) holds:

=========================  ====================================================================
``results.json``           :class:`~tide_exp.runs.results.Results`: model, per-phase metric summaries, final metrics
``status.json``            :class:`~tide_exp.runs.results.Status`: ok or failed (with the error), model, overrides
``generations.jsonl``      one :class:`~tide_exp.runs.results.GenerationRow` per generated reply (zs, val, ft phases)
``checkpoints/last.ckpt``  adapter weights and optimizer state, for resuming
``adapter/``               the LoRA adapter and tokenizer (``save_pretrained``)
``.hydra/``                 the composed config, Hydra's config and the overrides (written by the
                           job once it holds the lock, at the run's start; a resume keeps them)
``.tide/config.yaml``      the config the run started with (compared on every re-run)
``.tide/run_id``           a token of the run's start (part of the W&B run id)
``.tide/retiring``         present while a fresh start (``resume=false``) retires the previous run
``.lock``                  held (``flock``) while a job runs in the folder
``tide_exp.log``           the job's log
``safety.jsonl``           the crisis probe's replies and verdicts (``eval.safety=true``)
``safety_unsafe.md``       the replies the probe scored unsafe, to read
``split_manifest.json``    the example ids on each side of the split (``data.split_manifest``)
``skipped_rows.jsonl``     rows a loader left out (``data.source.on_error=skip``)
``csv/metrics.csv``        the CSV logger's history (``logger=csv``)
``wandb/``                 W&B's offline runs (``logger=wandb``; ``tide wandb`` lists them)
``.tide/retired/``         the previous run's files on their way out (``resume=false``)
=========================  ====================================================================

The records are typed in :mod:`tide_exp.runs.results`; :class:`~tide_exp.runs.folder.RunFolder`
gives each file's path and reads and writes them; conf/ reads these names through the
``${tide_run_file:NAME}`` resolver; every other module names a run file through one of the
three.
"""

RESULTS = "results.json"
STATUS = "status.json"
GENERATIONS = "generations.jsonl"
CHECKPOINT_DIR = "checkpoints"  # conf/paths/default.yaml reads it (${tide_run_file:CHECKPOINT_DIR})
LAST_CHECKPOINT = "last.ckpt"  # ModelCheckpoint(filename="last") writes this
ADAPTER_DIR = "adapter"
HYDRA_DIR = ".hydra"
HYDRA_CONFIG = ".hydra/config.yaml"  # the composed config (OmegaConf.to_yaml)
HYDRA_HYDRA = ".hydra/hydra.yaml"  # Hydra's own config of the job
HYDRA_OVERRIDES = ".hydra/overrides.yaml"  # the job's overrides
TIDE_DIR = ".tide"
SAVED_CONFIG = ".tide/config.yaml"
RUN_ID = ".tide/run_id"  # a token per start: a fresh start in the folder is another W&B run
RETIRING = ".tide/retiring"  # a fresh start's commit point: from it on, the previous run is gone
RETIRED = ".tide/retired"  # where the previous run's files go before they are deleted
LOCK = ".lock"
ADAPTER_TEMP = ".adapter-*"  # save_adapter's temp folders of versions before files.TEMP_TAG
LOG = "tide_exp.log"
SAFETY_RECORDS = "safety.jsonl"  # the crisis probe's replies and verdicts (eval.safety)
SAFETY_UNSAFE = "safety_unsafe.md"  # the replies it scored unsafe, to read
SPLIT_MANIFEST = "split_manifest.json"  # the example ids of each side of the split
SKIPPED_ROWS = "skipped_rows.jsonl"  # rows a loader left out (data.source.on_error=skip)
CSV_DIR = "csv"  # the CSV logger's folder (conf/logger/csv.yaml reads it as its name)
METRICS_CSV = "csv/metrics.csv"
WANDB_DIR = "wandb"  # W&B's offline runs
# A sweep's folder (hydra.sweep.dir): Hydra's record of it, and the owner's (tide_exp.runs.output_folders).
MULTIRUN_RECORD = "multirun.yaml"  # Hydra's basic sweeper writes it
SWEEP_RECORD = ".tide/sweep.json"  # the overrides of the sweep that owns the folder
SWEEP_LOCK = ".tide/sweep.lock"  # held (flock) while that sweep runs
# Every name a run writes at the top of its folder (a test lists a real run's folder against it).
RUN_FILES = frozenset(
    {
        RESULTS,
        STATUS,
        GENERATIONS,
        CHECKPOINT_DIR,
        ADAPTER_DIR,
        HYDRA_DIR,
        TIDE_DIR,
        LOCK,
        LOG,
        SAFETY_RECORDS,
        SAFETY_UNSAFE,
        SPLIT_MANIFEST,
        SKIPPED_ROWS,
        CSV_DIR,
        WANDB_DIR,
    }
)
