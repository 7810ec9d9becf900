printf "this is not a database, it was overwritten by mistake\n%.0s" $(seq 200) >bad.db
"$COSTCTL" --store sqlite:bad.db table query active-estimations