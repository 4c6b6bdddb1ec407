"""`mt fix`: placeholder until the subcommand lands."""


def add_parser(sub) -> None:
    p = sub.add_parser("fix", help="(in progress)")
    p.set_defaults(func=lambda args: 2)
