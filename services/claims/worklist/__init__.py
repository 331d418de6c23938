"""The reviewer's worklist: the queue by due date with working days left, and the review sheet
(claim, flags, lock, documents opened) the console shows beside the documents."""
