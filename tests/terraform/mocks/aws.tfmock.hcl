# Realistic values for attributes AWS computes, so provider-side validation accepts them offline.

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_dynamodb_table" {
  defaults = { arn = "arn:aws:dynamodb:eu-central-1:123456789012:table/shared-concurrency-leases" }
}

mock_resource "aws_dynamodb_table" {
  defaults = { arn = "arn:aws:dynamodb:eu-central-1:123456789012:table/concurrency-mgmt-leases" }
}

mock_resource "aws_lambda_function" {
  defaults = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:concurrency-mgmt-lease-manager" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/concurrency-mgmt-lease-manager" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/concurrency-mgmt-lease-manager-role" }
}

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
}

mock_resource "aws_sfn_state_machine" {
  defaults = { arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:workflow" }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::shared-lease-platform-items-test", id = "shared-lease-platform-items-test" }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = { arn = "arn:aws:events:eu-central-1:123456789012:rule/lease-reclaim" }
}

# Examples build IAM with aws_iam_policy_document; a mock renders no document, so give a valid one
# (the provider validates policy JSON even for mocked resources). Tests assert on the arguments.
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test" }
}

mock_data "aws_region" {
  defaults = { name = "eu-central-1" }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-central-1:123456789012:complete-example-on-call" }
}

mock_resource "aws_scheduler_schedule" {
  defaults = { arn = "arn:aws:scheduler:eu-central-1:123456789012:schedule/default/concurrency-mgmt-lease-manager-sweep" }
}
