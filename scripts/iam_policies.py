"""Each function's IAM policies as AWS will deploy them: infra/template.yaml through the
SAM translator (the transform CloudFormation runs), so SAM's policy templates and the
policies SAM adds itself (an on-failure destination's) are expanded exactly. Prints JSON:
{binary: [{"policy", "added_by_sam", "statements": [{"effect", "actions", "resources",
"conditional"}]}]}, resources in the short form of tests/src/iam_actions.rs:
dynamodb:table, dynamodb:table/index/gsi2, s3:bucket/uploads/*, ssm:parameter/*,
ses:identity/*, sqs:<queue>, sns:*, or * (template parameters become *).

Used by tests/tests/iam (cargo test iam)."""

import json
import os
import re
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    def load(self):
        return {}


def short_arn(arn):
    # arn:partition:service:region:account:resource
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return f"{parts[2]}:{parts[5]}"
    return arn


def resolve(value, resources, variables=None):
    """A resource value as its short form."""
    variables = variables or {}

    def logical(name):
        kind = resources.get(name, {}).get("Type", "")
        return {
            "AWS::DynamoDB::Table": "dynamodb:table",
            "AWS::S3::Bucket": "s3:bucket",
            "AWS::Events::EventBus": "events:event-bus/*",
        }.get(kind, f"{kind.split('::')[1].lower() if '::' in kind else 'unknown'}:{name}")

    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        name, attribute = value["Fn::GetAtt"]
        return logical(name) if attribute == "Arn" else "*"
    if "Ref" in value:
        return "*"
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, local = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])

        def replace(match):
            name = match.group(1)
            if name in local:
                return resolve(local[name], resources)
            if name.endswith(".Arn"):
                return logical(name[: -len(".Arn")])
            if name.startswith("AWS::"):
                return {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}.get(
                    name, "x"
                )
            return "*"

        return short_arn(re.sub(r"\$\{([^}]+)\}", replace, text))
    return "*"


def as_list(value):
    return value if isinstance(value, list) else [value]


def main():
    root = os.path.join(os.path.dirname(__file__), "..")
    with open(os.path.join(root, "infra", "template.yaml")) as f:
        template = yaml_parse(f.read())
    binaries = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            binaries[f"{name}Role"] = resource["Metadata"]["BuildProperties"]["Binary"]
            # The translator wants an S3 location; the code is not what is checked.
            resource["Properties"]["CodeUri"] = "s3://code/bootstrap.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    output = transform(template, {}, NoManagedPolicies())
    resources = output["Resources"]
    functions = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role" or name not in binaries:
            continue
        policies = []
        for policy in resource["Properties"].get("Policies", []):
            statements = []
            for statement in as_list(policy["PolicyDocument"]["Statement"]):
                statements.append(
                    {
                        "effect": statement["Effect"],
                        "actions": as_list(statement["Action"]),
                        "resources": [
                            resolve(r, resources) for r in as_list(statement["Resource"])
                        ],
                        "conditional": "Condition" in statement,
                    }
                )
            policies.append(
                {
                    "policy": policy["PolicyName"],
                    # Policies SAM adds for what the platform does with the role (an
                    # on-failure destination, an event source mapping's), not for calls
                    # of the function's code.
                    "added_by_sam": "EventInvokeConfig" in policy["PolicyName"]
                    or policy["PolicyName"].endswith("StreamSQSPolicy"),
                    "statements": statements,
                }
            )
        functions[binaries[name]] = {
            "policies": policies,
            "managed": resource["Properties"].get("ManagedPolicyArns", []),
        }
    json.dump(functions, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
