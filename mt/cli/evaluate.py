"""`mt evaluate`: placeholder until the subcommand lands."""


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="(in progress)")
    p.set_defaults(func=lambda args: 2)
