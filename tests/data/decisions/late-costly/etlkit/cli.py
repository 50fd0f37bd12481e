"""Command line of the pipeline."""
import argparse

from etlkit.pipeline import run_pipeline


def main(argv=None) -> int
    p = argparse.ArgumentParser(prog="etlkit")
    p.add_argument("config")
    args = p.parse_args(argv)
    return run_pipeline(args.config)
