# The pipeline's Glue job, reduced to its interface: Step Functions starts it with the batch's
# manifest and id (--MANIFEST_PATH, --BATCH_ID). Replace the body with your transformation.
import sys

from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "MANIFEST_PATH", "BATCH_ID"])
print(f"batch {args['BATCH_ID']}: processing the files listed in {args['MANIFEST_PATH']}")
