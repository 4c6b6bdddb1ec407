"""`mt corpus`: placeholder until the subcommand lands."""


def add_parser(sub) -> None:
    p = sub.add_parser("corpus", help="(in progress)")
    p.set_defaults(func=lambda args: 2)
