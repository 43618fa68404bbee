"""moto in server mode for the apply test, with the few gaps moto 5.2.1 has for what the AWS
provider calls filled in. Everything else is moto as released.

    python3 tests/apply/moto_server.py   -> prints "port <n>" once it listens on 127.0.0.1:<n>

Gaps filled (each the smallest answer that lets the provider go on, as AWS would give it):
  1. states:ValidateStateMachineDefinition is not implemented: the provider validates every
     definition before CreateStateMachine/UpdateStateMachine. Answered "OK" with no diagnostics
     (the definitions are validated for real by scripts/test.d/30-asl.sh and run by the e2e suite).
  2. states:ListStateMachineVersions is not implemented: the provider lists versions on read.
     Answered with no versions (the module and examples publish none).
  3. application-autoscaling:ListTagsForResource (and Tag/UntagResource) are not implemented: the
     provider reads a scalable target's tags. Tags are kept per ARN and answered back.
  4. lambda:GetFunction does not echo KMSKeyArn or LoggingConfig back: the provider would then
     plan a change on every plan. Both are kept from Create/UpdateFunctionConfiguration and echoed.

Setting: AWS managed policies exist, as in every AWS account (moto loads them only when
MOTO_IAM_LOAD_MANAGED_POLICIES is true): examples/glue-pipeline attaches AWSGlueServiceRole.
"""

import json
import os
import sys

# Read by moto when it creates the IAM backend, so set before the first request.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.awslambda.models import LambdaFunction
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.stepfunctions.responses import StepFunctionResponse
from werkzeug.serving import make_server


# 1. ValidateStateMachineDefinition
def validate_state_machine_definition(self):
    return json.dumps({"result": "OK", "diagnostics": [], "truncated": False})


StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition


# 2. ListStateMachineVersions
def list_state_machine_versions(self):
    return json.dumps({"stateMachineVersions": []})


StepFunctionResponse.list_state_machine_versions = list_state_machine_versions


# 3. application-autoscaling tags, kept per resource ARN
_autoscaling_tags: dict[str, dict[str, str]] = {}


def aas_list_tags_for_resource(self):
    return json.dumps({"Tags": _autoscaling_tags.get(self._get_param("ResourceARN"), {})})


def aas_tag_resource(self):
    _autoscaling_tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
    return json.dumps({})


def aas_untag_resource(self):
    tags = _autoscaling_tags.get(self._get_param("ResourceARN"), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})


_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target


def aas_register_scalable_target(self):
    answer = _register_scalable_target(self)
    if self._get_param("Tags"):
        _autoscaling_tags.setdefault(json.loads(answer)["ScalableTargetARN"], {}).update(self._get_param("Tags"))
    return answer


ApplicationAutoScalingResponse.list_tags_for_resource = aas_list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = aas_tag_resource
ApplicationAutoScalingResponse.untag_resource = aas_untag_resource
ApplicationAutoScalingResponse.register_scalable_target = aas_register_scalable_target


# 4. Lambda KMSKeyArn and LoggingConfig
_lambda_init = LambdaFunction.__init__
_lambda_update = LambdaFunction.update_configuration
_lambda_configuration = LambdaFunction.get_configuration


def lambda_init(self, account_id, spec, *args, **kwargs):
    _lambda_init(self, account_id, spec, *args, **kwargs)
    self.echo_kms_key_arn = spec.get("KMSKeyArn")
    self.echo_logging_config = spec.get("LoggingConfig")


def lambda_update(self, config_updates):
    if "KMSKeyArn" in config_updates:
        self.echo_kms_key_arn = config_updates["KMSKeyArn"] or None
    if "LoggingConfig" in config_updates:
        self.echo_logging_config = config_updates["LoggingConfig"]
    return _lambda_update(self, config_updates)


def lambda_configuration(self, *args, **kwargs):
    config = _lambda_configuration(self, *args, **kwargs)
    if getattr(self, "echo_kms_key_arn", None):
        config["KMSKeyArn"] = self.echo_kms_key_arn
    logging = getattr(self, "echo_logging_config", None)
    if logging:
        # AWS fills in the defaults it applied alongside what was asked for.
        config["LoggingConfig"] = {
            "LogFormat": logging.get("LogFormat", "Text"),
            "LogGroup": logging.get("LogGroup") or f"/aws/lambda/{self.function_name}",
            **({"ApplicationLogLevel": logging.get("ApplicationLogLevel", "INFO"), "SystemLogLevel": logging.get("SystemLogLevel", "INFO")} if logging.get("LogFormat") == "JSON" else {}),
        }
    return config


LambdaFunction.__init__ = lambda_init
LambdaFunction.update_configuration = lambda_update
LambdaFunction.get_configuration = lambda_configuration


def main():
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
    print(f"port {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
