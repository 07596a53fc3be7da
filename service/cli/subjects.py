"""`subjects`: erasure requests from the command line, as the API answers them: `unlink` erases the links
that tie a rater or respondent to their responses, `erase-candidate` deletes a candidate from a campaign
that is not finalised. Both audited, like the API's."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from service.cli.support import CommandError, existing_org, run_async, with_conn
from service.config import Config
from service.recruitment import erasure
from service.subjects import usecases
from service.tenants.domain.callers import cli_caller
from service.web.problems import Problem


def add_commands(sub: Any) -> None:
    p = sub.add_parser("subjects", help="erasure requests: a rater's or respondent's links, a candidate")
    actions = p.add_subparsers(dest="action", required=True)
    unlink = actions.add_parser("unlink", help="erase the links tying a rater or respondent to their responses")
    unlink.add_argument("--org", required=True, help="the organisation (code)")
    unlink.add_argument("--ref", required=True, help="the person's reference (never printed or logged)")
    erase = actions.add_parser("erase-candidate", help="delete a candidate from a campaign not finalised")
    erase.add_argument("--org", required=True, help="the organisation (code)")
    erase.add_argument("--campaign", required=True, type=uuid.UUID, help="the campaign's id")
    erase.add_argument("--ref", required=True, help="the candidate's reference")


async def _subjects(config: Config, args: argparse.Namespace) -> int:
    async def work(conn: Any) -> int:
        org = await existing_org(conn, args.org)
        who = cli_caller(org["id"], org["code"])
        try:
            if args.action == "unlink":
                await usecases.unlink(conn, who, config.secret_keys, args.ref)
                print("unlinked: no response is tied to this reference any more (any to an open appraisal or "
                      "survey was withdrawn)")
            else:
                removed = await erasure.erase_candidate(conn, who, args.campaign, args.ref)
                print(f"erased the candidate with {removed['scorecards']} scorecards and {removed['moderations']} "
                      "moderations; their audit events keep no content or reference")
        except Problem as problem:
            raise CommandError(problem.detail) from None
        return 0
    return await with_conn(config, work)


COMMANDS = {"subjects": run_async(_subjects)}
