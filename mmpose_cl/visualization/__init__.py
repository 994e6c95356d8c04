from .cl_votes import (cl_maps_of_people, crop_to_person_image, draw_cl_votes,
                       draw_people_votes)

__all__ = [
    'cl_maps_of_people', 'crop_to_person_image', 'draw_cl_votes',
    'draw_people_votes'
]
