#!/bin/sh
# demo.sh - the main job on bundled data: square loss vs a selective loss on
# Boston housing, trained on 4/5 of the rows and compared per price region on
# the held-out fifth. Run by `make demo`.
set -e
cd "$(dirname "$0")/.."
SMLOSS=${SMLOSS:-./smloss}
H=data/libsvm-housing-scale/housing_scale
OUT=${DEMO_DIR:-build/demo}
mkdir -p "$OUT"
awk 'NR % 5 != 0' "$H" > "$OUT/housing.train"
awk 'NR % 5 == 0' "$H" > "$OUT/housing.test"
SEL='lin:w=0.05+sigmoid:a=0.3,c=35'
REGIONS=20,35

echo "== Boston housing: square loss vs selective loss '$SEL' (regions: <\$20k, \$20-35k, >=\$35k)"
echo "== training on $(wc -l < "$OUT/housing.train") rows, testing on $(wc -l < "$OUT/housing.test") held-out rows"
echo
echo "-- train: square loss (lin)"
$SMLOSS train -d "$OUT/housing.train" -m "$OUT/square.model" --loss lin --regions $REGIONS --epochs 50
echo
echo "-- train: selective loss"
$SMLOSS train -d "$OUT/housing.train" -m "$OUT/selective.model" --loss "$SEL" --regions $REGIONS --epochs 50
echo
echo "-- held-out report: square loss"
$SMLOSS eval -d "$OUT/housing.test" -m "$OUT/square.model" --loss "$SEL"
echo
echo "-- held-out report: selective loss"
$SMLOSS eval -d "$OUT/housing.test" -m "$OUT/selective.model"
echo
echo "Models and data are in $OUT/. Try: $SMLOSS link --loss '$SEL' --from 0 --to 60"
